/**
 * Reading typed values out of the configuration's YAML document, every problem collected and
 * named by its key (the sections that use it: read-sections.ts).
 */

/** One problem with the configuration: the key (dotted path) and why it is wrong. */
export interface ConfigProblem {
  key: string;
  message: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly problems: ConfigProblem[],
    source = 'configuration',
  ) {
    super(`invalid ${source}:\n` + problems.map((p) => `  - ${p.key}: ${p.message}`).join('\n'));
  }
}

export type Raw = Record<string, unknown>;

/**
 * Reads typed values out of the raw YAML document, collecting every problem instead of stopping
 * at the first, so an operator fixes the file in one go.
 */
export class Reader {
  readonly problems: ConfigProblem[] = [];
  private readonly seen = new Set<string>();
  constructor(private readonly root: Raw) {}

  private lookup(key: string): unknown {
    this.seen.add(key);
    let cur: unknown = this.root;
    for (const part of key.split('.')) {
      if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
      cur = (cur as Raw)[part];
    }
    return cur;
  }

  problem(key: string, message: string): void {
    this.problems.push({ key, message });
  }

  string(key: string, def?: string, opts: { nonEmpty?: boolean; pattern?: RegExp; hint?: string } = {}): string {
    const v = this.lookup(key);
    if (v === undefined || v === null) {
      if (def === undefined) this.problem(key, 'is required');
      return def ?? '';
    }
    if (typeof v !== 'string') {
      this.problem(key, `must be a string (got ${describe(v)})`);
      return def ?? '';
    }
    if (opts.nonEmpty && v.trim() === '') this.problem(key, 'must not be empty');
    else if (opts.pattern && !opts.pattern.test(v)) this.problem(key, opts.hint ?? `does not match ${opts.pattern}`);
    return v;
  }

  boolean(key: string, def: boolean): boolean {
    const v = this.lookup(key);
    if (v === undefined || v === null) return def;
    if (typeof v !== 'boolean') {
      this.problem(key, `must be true or false (got ${describe(v)})`);
      return def;
    }
    return v;
  }

  number(key: string, def: number, opts: { min?: number; max?: number; integer?: boolean } = {}): number {
    const v = this.lookup(key);
    if (v === undefined || v === null) return def;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.problem(key, `must be a number (got ${describe(v)})`);
      return def;
    }
    if (opts.integer && !Number.isInteger(v)) this.problem(key, `must be a whole number (got ${v})`);
    if (opts.min !== undefined && v < opts.min) this.problem(key, `must be at least ${opts.min} (got ${v})`);
    if (opts.max !== undefined && v > opts.max) this.problem(key, `must be at most ${opts.max} (got ${v})`);
    return v;
  }

  stringList(key: string, def?: string[], opts: { nonEmpty?: boolean } = {}): string[] {
    const v = this.lookup(key);
    if (v === undefined || v === null) {
      if (def === undefined) this.problem(key, 'is required (a list of strings)');
      return def ?? [];
    }
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
      this.problem(key, `must be a list of strings (got ${describe(v)})`);
      return def ?? [];
    }
    if (opts.nonEmpty && v.length === 0) this.problem(key, 'must list at least one entry');
    return v as string[];
  }

  list(key: string): unknown[] | undefined {
    const v = this.lookup(key);
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) {
      this.problem(key, `must be a list (got ${describe(v)})`);
      return undefined;
    }
    return v;
  }

  /** Accept a whole subtree without reading it (keys kept for fs2od compatibility). */
  seenPrefix(key: string): void {
    this.seen.add(key);
  }

  /** Keys present in the file that no reader asked for: almost always a typo. */
  unknownKeys(): string[] {
    return this.walkUnread().unknown;
  }

  /**
   * Sections given as something other than a mapping (a list, a value), e.g. fs2od's sample
   * `to: [{space_creation: [...]}]`: every key under them would silently read as absent.
   */
  misshapenSections(): { key: string; got: string }[] {
    return this.walkUnread().misshapen;
  }

  private walkUnread(): { unknown: string[]; misshapen: { key: string; got: string }[] } {
    const unknown: string[] = [];
    const misshapen: { key: string; got: string }[] = [];
    const walk = (obj: unknown, prefix: string): void => {
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
        if (prefix && obj !== null && obj !== undefined) misshapen.push({ key: prefix, got: describe(obj) });
        return;
      }
      for (const [k, v] of Object.entries(obj as Raw)) {
        const key = prefix ? `${prefix}.${k}` : k;
        if (this.seen.has(key)) continue;
        const isParent = [...this.seen].some((s) => s.startsWith(key + '.'));
        if (isParent) walk(v, key);
        else unknown.push(key);
      }
    };
    walk(this.root, '');
    return { unknown, misshapen };
  }
}

export function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}
