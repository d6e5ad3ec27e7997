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
 * A compiled watched directory: one matcher per key component ("" = the bucket root). As fs2od's
 * fnmatch over directory listings, `*` matches hidden names too; but a listing never holds `.`,
 * `..` or an empty name, so a component is never one of those (keys holding them are refused
 * before matching, in shared/dataset/key-path.ts).
 */
export class WatchedPrefix {
  private readonly parts: RegExp[];
  constructor(readonly pattern: string) {
    this.parts = pattern === '' ? [] : pattern.split('/').map(globComponentToRegExp);
  }

  get depth(): number {
    return this.parts.length;
  }

  /** Whether the first `depth` components of a key match this pattern. */
  matches(components: string[]): boolean {
    if (components.length < this.parts.length) return false;
    return this.parts.every((re, i) => {
      const c = components[i]!;
      return c !== '' && c !== '.' && c !== '..' && re.test(c);
    });
  }
}
