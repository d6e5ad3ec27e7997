/**
 * fs2od's watchedDirectories are paths whose components may hold shell wildcards (`*`, `?`,
 * `[…]`, `[!…]`). Here they match key-prefix components: a wildcard never crosses a "/".
 */
export function globComponentToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end === -1) {
        re += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, end);
      if (body.startsWith('!')) body = '^' + body.slice(1);
      re += '[' + body.replace(/\\/g, '\\\\') + ']';
      i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

/**
 * A compiled watched directory: one matcher per key component ("" = the bucket root). As in the
 * shell and Python's glob (fs2od), a wildcard does not match a hidden name: `*` matches neither
 * `.trash` nor `.`/`..`; a pattern component that itself starts with "." can.
 */
export class WatchedPrefix {
  private readonly parts: { re: RegExp; hiddenOk: boolean }[];
  constructor(readonly pattern: string) {
    this.parts = pattern === '' ? [] : pattern.split('/').map((p) => ({ re: globComponentToRegExp(p), hiddenOk: p.startsWith('.') }));
  }

  get depth(): number {
    return this.parts.length;
  }

  /** Whether the first `depth` components of a key match this pattern. */
  matches(components: string[]): boolean {
    if (components.length < this.parts.length) return false;
    return this.parts.every(({ re, hiddenOk }, i) => {
      const c = components[i]!;
      return c !== '' && (hiddenOk || !c.startsWith('.')) && re.test(c);
    });
  }
}
