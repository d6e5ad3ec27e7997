/**
 * Test helpers for the metadata module, written independently of the implementation: the section is
 * found by looking at lines and indentation, not with the module's own locator.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AccessInfoValues } from '../../../shared/metadata/index.ts';

export const GOOD_DIR = fileURLToPath(new URL('../../fixtures/metadata/good/', import.meta.url));
export const BAD_DIR = fileURLToPath(new URL('../../fixtures/bad-metadata/', import.meta.url));

export const goodFiles = (): string[] =>
  readdirSync(GOOD_DIR)
    .filter((f) => f.endsWith('.yml'))
    .sort();
export const readGood = (name: string): Uint8Array => new Uint8Array(readFileSync(GOOD_DIR + name));

export const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

export const TYPICAL: AccessInfoValues = {
  onezone: 'https://datahub.egi.eu',
  space: 'c265f2cc65a1bc1835929288be145d72ch458a',
  inviteToken:
    'MDAxY2xvY2F0aW9uIGRhdGFodWIuZWdpLmV1CjAwNmJpZGVudGlmaWVyIDIvbm1kL3Vzci1lMmE0ZjQ1YzA5ZDY2ZjE4YTM4YjA4Yz' +
    'AwNzRlN2I1MmNoNTRhNS9hY3QvMzk0YTA5ZTU5Mzg5NDhhNTRmMjA3YjA4MzQ2MjIzYzJjaDVmMTAKMDAxYmNpZCBpbnRlcmZh' +
    'Y2UgPSByZXN0CjAwMmZzaWduYXR1cmUgBpB1n2oLbDyEXn6mBkXxu1Fq0XpLJ1rG5vVyN3YbF4wK',
  publicURL: 'https://datahub.egi.eu/share/4f9a3c2b1e0d8c7b6a5f4e3d2c1b0a9fch1234',
};

/** Values that need quoting or look like other YAML types. */
export const AWKWARD: AccessInfoValues = {
  onezone: 'https://zone.example.org:8443/#/onezone?x=1&y=2',
  space: '0123456789',
  inviteToken: `-_${'Zm9vYmFy'.repeat(80)}==`,
  publicURL: 'https://zone.example.org/share/ab cd "quoted" it\'s #frag',
};

export const ALL_VALUE_SETS: Record<string, AccessInfoValues> = { typical: TYPICAL, awkward: AWKWARD };

/** Lines with their terminators. */
export function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function indentOf(line: string): number {
  return /^\uFEFF?( *)/.exec(line)![1]!.length;
}

function isContent(line: string): boolean {
  const t = line.replace(/^\uFEFF/, '').trim();
  return t !== '' && !t.startsWith('#') && !t.startsWith('%') && t !== '---' && t !== '...';
}

/**
 * Remove the root-level `name:` section's lines from a block-style file: its key line and every
 * following line indented deeper (blank lines inside it too), or up to the closing `}` of a flow
 * section. Returns undefined when there is no such section.
 */
export function removeSection(text: string, name = 'Onedata'): { rest: string; section: string } | undefined {
  const lines = splitLines(text);
  const first = lines.find(isContent);
  if (!first) return undefined;
  const rootIndent = indentOf(first);
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const header = new RegExp(`^\\uFEFF?( *)(?:${esc}|"${esc}"|'${esc}') *:(.*)$`, 's');
  const i = lines.findIndex((l) => {
    const m = header.exec(l);
    return m !== null && m[1]!.length === rootIndent;
  });
  if (i < 0) return undefined;
  const after = header.exec(lines[i]!)![2]!.replace(/#.*$/s, '').trim();
  let last = i;
  if (after.startsWith('{')) {
    let depth = 0;
    let quote: string | null = null;
    outer: for (let j = i; j < lines.length; j++) {
      const line = j === i ? after : lines[j]!;
      for (const c of line) {
        if (quote) {
          if (c === quote) quote = null;
        } else if (c === '"' || c === "'") quote = c;
        else if (c === '{') depth++;
        else if (c === '}' && --depth === 0) {
          last = j;
          break outer;
        }
      }
    }
  } else {
    for (let j = i + 1; j < lines.length; j++) {
      const l = lines[j]!;
      if (l.trim() === '') continue;
      if (indentOf(l) > rootIndent) last = j;
      else break;
    }
  }
  const keepBom = i === 0 && lines[0]!.startsWith('\uFEFF') ? '\uFEFF' : '';
  return {
    rest: keepBom + [...lines.slice(0, i), ...lines.slice(last + 1)].join(''),
    section: lines.slice(i, last + 1).join(''),
  };
}

/** Deterministic PRNG (mulberry32) so property tests are reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
