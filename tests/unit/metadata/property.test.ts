/**
 * Property-style tests over generated files (seeded, so failures reproduce): whatever the layout,
 * the write-back parses, holds our values, keeps every other byte, keeps BOM/EOL and is idempotent;
 * and no mutation of a good file makes the parser throw, or yields a file it accepts but the writer cannot edit.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_TAGS, type AccessInfoValues, type MetadataDocument, parseMetadata, readAccessInfo, upsertAccessInfo } from '../../../shared/metadata/index.ts';
import { encode, goodFiles, readGood, removeSection, rng } from './helpers.ts';

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const chance = (r: Rand, p: number) => r() < p;

const KEYS = [
  'Autoname',
  'Instrument',
  'Sample',
  'User',
  'Notes',
  'Tags',
  'Count',
  'Version',
  'Émigré',
  'キー',
  '"Quoted key"',
  "'single key'",
  'with space',
  'Grid_1',
];
const PLAIN = [
  'Krios',
  '70S; ribosome',
  '1.10',
  '012',
  '2024-05-01',
  'true',
  'null',
  '~',
  'x#y',
  'a:b',
  'Zoë',
  '電子',
  '42',
  '-3.5',
  'https://x.example/y?z=1',
];
const QUOTED = ["'it''s'", '"a \\"b\\" c"', '"tab\\there"', "''", '"#not a comment"'];
const OUR_KEYS = ['Onezone', 'Space', 'InviteToken', 'PublicURL'] as const;
const OLD_VALUES = ['old', '"quoted old"', "'1234'", '12345', 'https://old.example/share/x'];
const NEW_VALUES = [
  'https://datahub.egi.eu',
  '0123456789',
  'c265f2cc65a1bc18',
  `MDAx${'QUJD'.repeat(60)}`,
  'has space #hash',
  "it's",
  'true',
  '2024-01-01',
  'Zoë',
];

function value(r: Rand, indent: string, depth: number): string[] {
  // Returns the text after "key:" — first element is the rest of the key line.
  const kind = depth > 2 ? pick(r, ['plain', 'quoted']) : pick(r, ['plain', 'quoted', 'literal', 'folded', 'map', 'seq', 'flowseq', 'flowmap', 'empty']);
  const comment = chance(r, 0.2) ? '   # note' : '';
  const child = `${indent}  `;
  switch (kind) {
    case 'plain':
      return [` ${pick(r, PLAIN)}${comment}`];
    case 'quoted':
      return [` ${pick(r, QUOTED)}${comment}`];
    case 'literal':
      return [` |${pick(r, ['', '-', '+'])}`, `${child}line one`, `${child}  indented`, ...(chance(r, 0.3) ? [''] : []), `${child}last`];
    case 'folded':
      return [` >${pick(r, ['', '-'])}`, `${child}folded`, `${child}text`];
    case 'map':
      return ['', ...mapping(r, child, depth + 1, 1 + Math.floor(r() * 3))];
    case 'seq':
      return ['', ...Array.from({ length: 1 + Math.floor(r() * 3) }, () => `${child}- ${pick(r, PLAIN)}`)];
    case 'flowseq':
      return [
        ` [${pick(
          r,
          PLAIN.filter((p) => !p.includes(':') && !p.includes('#')),
        )}, "b", 3]${comment}`,
      ];
    case 'flowmap':
      return [` {a: 1, b: [x, y], c: "z"}${comment}`];
    default:
      return [comment];
  }
}

function mapping(r: Rand, indent: string, depth: number, n: number): string[] {
  const keys = [...KEYS].sort(() => r() - 0.5).slice(0, n);
  const lines: string[] = [];
  for (const key of keys) {
    if (chance(r, 0.15)) lines.push(`${indent}# comment before ${key}`);
    if (chance(r, 0.1)) lines.push('');
    const [first, ...rest] = value(r, indent, depth);
    lines.push(`${indent}${key}:${first}`, ...rest);
  }
  return lines;
}

function section(r: Rand): string[] {
  const style = pick(r, ['block', 'block', 'flow', 'empty']);
  const present = OUR_KEYS.filter(() => chance(r, 0.5));
  const extra = chance(r, 0.4) ? ['Contact: ops@example.org'] : [];
  if (style === 'empty') return [`Onedata:${pick(r, ['', ' ~', ' {}', '   # to be filled'])}`];
  const entries = [...present.map((k) => `${k}: ${pick(r, OLD_VALUES)}`), ...extra].sort(() => r() - 0.5);
  if (entries.length === 0) return ['Onedata: {}'];
  if (style === 'flow') return [`Onedata: {${entries.join(', ')}}`];
  const lines = ['Onedata:'];
  for (const e of entries) {
    if (chance(r, 0.2)) lines.push('  # inside the section');
    lines.push(`  ${e}${chance(r, 0.2) ? '  # trailing' : ''}`);
  }
  return lines;
}

function generate(seed: number): { text: string; values: AccessInfoValues } {
  const r = rng(seed);
  const lines = mapping(r, '', 1, 1 + Math.floor(r() * 6));
  if (chance(r, 0.7)) {
    // Insert at an entry boundary (a line at column 0 that starts a key).
    const starts = lines.map((l, i) => (/^[^\s#]/.test(l) ? i : -1)).filter((i) => i >= 0);
    const at = chance(r, 0.5) ? lines.length : pick(r, starts);
    lines.splice(at, 0, ...section(r));
  }
  if (chance(r, 0.2)) lines.push('# trailing comment');
  if (chance(r, 0.1)) lines.unshift('---');
  const eol = chance(r, 0.3) ? '\r\n' : '\n';
  let text = lines.join(eol) + (chance(r, 0.85) ? eol : '');
  if (chance(r, 0.15)) text = `\uFEFF${text}`;
  const values: AccessInfoValues = {
    onezone: pick(r, NEW_VALUES),
    space: pick(r, NEW_VALUES),
    inviteToken: pick(r, NEW_VALUES),
    publicURL: pick(r, NEW_VALUES),
  };
  return { text, values };
}

function minus(doc: MetadataDocument): MetadataDocument {
  return Object.fromEntries(Object.entries(doc).filter(([k]) => k !== 'Onedata'));
}

describe('upsertAccessInfo on generated files', () => {
  it.each(Array.from({ length: 300 }, (_, i) => i + 1))('seed %i', (seed) => {
    const { text, values } = generate(seed);
    const before = parseMetadata(encode(text));
    if (!before.ok) throw new Error(`generator produced an invalid file (${before.error.message}):\n${text}`);

    const out = upsertAccessInfo(text, DEFAULT_TAGS, values);
    const after = parseMetadata(encode(out));
    expect(after.ok).toBe(true);
    if (!after.ok) return;
    expect(readAccessInfo(after.doc)).toEqual(Object.fromEntries(Object.entries(values).filter(([, v]) => v !== '')));
    expect(minus(after.doc)).toEqual(minus(before.doc));

    const restBefore = removeSection(text)?.rest ?? text;
    const restAfter = removeSection(out)?.rest;
    expect([restBefore, restBefore + before.eol]).toContain(restAfter);

    expect(out.startsWith('\uFEFF')).toBe(before.bom);
    if (before.eol === '\r\n') expect(out).not.toMatch(/(?<!\r)\n/);
    else expect(out).not.toContain('\r');

    expect(upsertAccessInfo(out, DEFAULT_TAGS, values)).toBe(out);
  });
});

describe('mutated good files', () => {
  it('never make parseMetadata throw, and whatever it accepts upsertAccessInfo can edit', () => {
    const r = rng(20240501);
    const files = goodFiles();
    const values: AccessInfoValues = { onezone: 'https://z.example', space: 's', inviteToken: 't'.repeat(40), publicURL: 'https://z.example/s' };
    let accepted = 0;
    for (let i = 0; i < 1500; i++) {
      const bytes = Array.from(readGood(pick(r, files)));
      for (let m = 0; m < 1 + Math.floor(r() * 3); m++) {
        const at = Math.floor(r() * (bytes.length + 1));
        const op = pick(r, ['flip', 'insert', 'delete']);
        const byte = pick(r, [0x20, 0x09, 0x0a, 0x0d, 0x3a, 0x2d, 0x23, 0x27, 0x22, 0x7b, 0x7d, 0x5b, 0x26, 0x2a, 0x21, 0x7c, 0x00, 0xc3, 0xff]);
        if (op === 'insert') bytes.splice(at, 0, byte);
        else if (op === 'delete') bytes.splice(at, 1);
        else if (at < bytes.length) bytes[at] = byte;
      }
      const parsed = parseMetadata(new Uint8Array(bytes));
      if (!parsed.ok) continue;
      accepted++;
      // Whatever the parser accepts, the writer can edit (the parser checks the layout too).
      const out = upsertAccessInfo(parsed.text, DEFAULT_TAGS, values);
      const again = parseMetadata(encode(out));
      expect(again.ok && readAccessInfo(again.doc)).toEqual(values);
    }
    expect(accepted).toBeGreaterThan(50);
  });
});
