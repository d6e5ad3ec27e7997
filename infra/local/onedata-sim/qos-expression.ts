/**
 * QoS expressions (`key=value`, `key<num`, `>`, `<=`, `>=`, `anyStorage`, `&`, `|`, `\`, parentheses),
 * evaluated to the set of storages whose QoS parameters match.
 */
export type StorageParams = { id: string; params: Record<string, string> };

type Node = { op: 'any' } | { op: 'cmp'; key: string; cmp: string; value: string } | { op: 'set'; kind: '&' | '|' | '\\'; left: Node; right: Node };

const TOKEN = /\s*(anyStorage|<=|>=|[=<>&|\\()]|[A-Za-z0-9_.:\-/]+)/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const start = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m?.[1]) throw new SyntaxError(`unexpected character at position ${start}`);
    tokens.push(m[1]);
  }
  return tokens;
}

/** Parses an expression; throws `SyntaxError` with a reason. */
export function parseQos(text: string): Node {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): string | undefined => tokens[pos];
  const take = (): string => {
    const t = tokens[pos++];
    if (t === undefined) throw new SyntaxError('unexpected end of expression');
    return t;
  };
  const term = (): Node => {
    const t = take();
    if (t === '(') {
      const inner = expr();
      if (take() !== ')') throw new SyntaxError('missing closing parenthesis');
      return inner;
    }
    if (t === 'anyStorage') return { op: 'any' };
    if (!/^[A-Za-z0-9_.:\-/]+$/.test(t)) throw new SyntaxError(`unexpected token "${t}"`);
    const cmp = take();
    if (!['=', '<', '>', '<=', '>='].includes(cmp)) throw new SyntaxError(`expected comparison after "${t}"`);
    const value = take();
    if (!/^[A-Za-z0-9_.:\-/]+$/.test(value)) throw new SyntaxError(`bad value "${value}"`);
    if (cmp !== '=' && Number.isNaN(Number(value))) throw new SyntaxError(`"${cmp}" needs a number`);
    return { op: 'cmp', key: t, cmp, value };
  };
  const expr = (): Node => {
    let left = term();
    for (let t = peek(); t === '&' || t === '|' || t === '\\'; t = peek()) {
      pos++;
      left = { op: 'set', kind: t, left, right: term() };
    }
    return left;
  };
  const tree = expr();
  if (pos !== tokens.length) throw new SyntaxError(`unexpected token "${tokens[pos] ?? ''}"`);
  return tree;
}

export function evaluateQos(node: Node, storages: StorageParams[]): Set<string> {
  switch (node.op) {
    case 'any':
      return new Set(storages.map((s) => s.id));
    case 'cmp':
      return new Set(storages.filter((s) => compare(s.params[node.key], node.cmp, node.value)).map((s) => s.id));
    case 'set': {
      const left = evaluateQos(node.left, storages);
      const right = evaluateQos(node.right, storages);
      if (node.kind === '|') return new Set([...left, ...right]);
      if (node.kind === '&') return new Set([...left].filter((x) => right.has(x)));
      return new Set([...left].filter((x) => !right.has(x)));
    }
  }
}

function compare(actual: string | undefined, cmp: string, expected: string): boolean {
  if (actual === undefined) return false;
  if (cmp === '=') return actual === expected;
  const a = Number(actual);
  const b = Number(expected);
  if (Number.isNaN(a)) return false;
  return cmp === '<' ? a < b : cmp === '>' ? a > b : cmp === '<=' ? a <= b : a >= b;
}
