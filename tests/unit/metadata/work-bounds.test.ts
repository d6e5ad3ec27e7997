import { describe, expect, it } from 'vitest';
import { ConfigError, metadataParseSettings, parseConfig } from '../../../shared/config/index.ts';
import { DEFAULT_LIMITS, DEFAULT_TAGS, MetadataWriteError, parseMetadata, readAccessInfo, upsertAccessInfo } from '../../../shared/metadata/index.ts';
import { encode, TYPICAL } from './helpers.ts';

/**
 * The bounds on the work one metadata file is (issue #10): nodes, nesting depth and total text,
 * each refusing a file just over it and accepting one just under it.
 */

/** `Title: x` (3 nodes: root, key, value) plus `a:` holding a list of `n` one-character values: n + 5 nodes. */
const listOf = (n: number, item = '0'): string => `Title: x\na: [${Array(n).fill(item).join(', ')}]\n`;
const nodesOfList = (n: number): number => n + 5;

function parse(text: string, limits = {}) {
  return parseMetadata(encode(text), limits);
}

describe('the node bound', () => {
  it('accepts a file with exactly maxNodes nodes and refuses one more, naming the place', () => {
    expect(parse(listOf(45), { maxNodes: nodesOfList(45) }).ok).toBe(true);
    const over = parse(listOf(46), { maxNodes: nodesOfList(45) });
    expect(over.ok).toBe(false);
    if (over.ok) return;
    expect(over.error.code).toBe('TOO_MANY_NODES');
    expect(over.error.message).toMatch(/^line 2, column \d+: the file has more than 50 entries/);
    expect(over.error.message).toContain('separate file');
  });

  it('counts empty collections, keys and values alike (the shapes that cost the most memory)', () => {
    expect(parse(listOf(45, '[]'), { maxNodes: 50 }).ok).toBe(true);
    expect(parse(listOf(46, '{}'), { maxNodes: 50 }).ok).toBe(false);
    const keys = (n: number) => 'Title: x\n' + Array.from({ length: n }, (_, i) => `k${i}: {}\n`).join(''); // 3 + 2n nodes
    expect(parse(keys(23), { maxNodes: 49 }).ok).toBe(true);
    const r = parse(keys(24), { maxNodes: 49 });
    expect(!r.ok && r.error.code).toBe('TOO_MANY_NODES');
  });

  it('holds at the default of 10,000 nodes, well under the default byte limit', () => {
    expect(DEFAULT_LIMITS.maxNodes).toBe(10_000);
    const under = listOf(10_000 - 5);
    const over = listOf(10_000 - 4);
    expect(over.length).toBeLessThan(DEFAULT_LIMITS.maxBytes);
    expect(parse(under).ok).toBe(true);
    const r = parse(over);
    expect(!r.ok && r.error.code).toBe('TOO_MANY_NODES');
  });

  it('does not count our own entries: a file at the bound can still be written back and read again', () => {
    const text = listOf(45);
    const limits = { maxNodes: nodesOfList(45) };
    expect(parse(text, limits).ok).toBe(true);
    const written = upsertAccessInfo(text, DEFAULT_TAGS, TYPICAL, { limits });
    const again = parse(written, limits);
    expect(again.ok && readAccessInfo(again.doc)).toEqual(TYPICAL);
    // Rewriting an existing section changes nothing either.
    expect(upsertAccessInfo(written, DEFAULT_TAGS, { ...TYPICAL, space: 'another0space0id' }, { limits })).toContain('another0space0id');
  });

  it('counts operator entries inside our section (the section is no hiding place)', () => {
    const text = `Title: x\nOnedata:\n  Space: abc\n  Notes: [${Array(45).fill('0').join(', ')}]\n`;
    // Counted: root, Title, x, Notes, its list and 45 items = 50 — Onedata, its mapping, Space and abc are ours.
    expect(parse(text, { maxNodes: 50 }).ok).toBe(true);
    const r = parse(text, { maxNodes: 49 });
    expect(!r.ok && r.error.code).toBe('TOO_MANY_NODES');
  });

  it('is enforced by the writer too: it refuses to edit a file over the bound', () => {
    let error: unknown;
    try {
      upsertAccessInfo(listOf(46), DEFAULT_TAGS, TYPICAL, { limits: { maxNodes: 50 } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MetadataWriteError);
    expect((error as MetadataWriteError).metadataError?.code).toBe('TOO_MANY_NODES');
  });

  it('refuses an anchor-and-alias flood by count before anything is expanded or built', () => {
    const flood = `Title: x\nb: &x [1]\na: [${Array(20_000).fill('*x').join(',')}]\n`;
    const r = parse(flood);
    expect(!r.ok && r.error.code).toBe('TOO_MANY_NODES');
  });
});

describe('the byte limit and the write-back', () => {
  it('a file just under maxBytes can still get its section (it is refused before Onedata objects exist, or never)', () => {
    const text = `Title: ${'x'.repeat(1000 - 8)}\n`;
    expect(Buffer.byteLength(text)).toBe(1000);
    expect(parse(text, { maxBytes: 1000 }).ok).toBe(true);
    const written = upsertAccessInfo(text, DEFAULT_TAGS, TYPICAL, { limits: { maxBytes: 1000 } });
    const again = parse(written, { maxBytes: Buffer.byteLength(written) });
    expect(again.ok && readAccessInfo(again.doc)).toEqual(TYPICAL);
    // One byte more was never accepted in the first place.
    const r = parse(`${text}#`, { maxBytes: 1000 });
    expect(!r.ok && r.error.code).toBe('TOO_LARGE');
  });
});

describe('the total-text bound', () => {
  // Keys and values count with their source length: Title(5) + x(1) + a(1) + n × "abcd"(4).
  const words = (n: number): string => `Title: x\na: [${Array(n).fill('abcd').join(', ')}]\n`;

  it('accepts exactly maxTotalScalarLength characters and refuses one more', () => {
    expect(parse(words(10), { maxTotalScalarLength: 47 }).ok).toBe(true);
    const r = parse(words(10), { maxTotalScalarLength: 46 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('TOO_MUCH_TEXT');
    expect(r.error.message).toMatch(/^line 2, column \d+: the keys and values of the file add up to more than 46 characters/);
  });

  it('does not count our own section, so the write-back never pushes a file over', () => {
    const limits = { maxTotalScalarLength: 47 };
    const written = upsertAccessInfo(words(10), DEFAULT_TAGS, TYPICAL, { limits });
    expect(parse(written, limits).ok).toBe(true);
  });
});

describe('the depth bound', () => {
  const nested = (levels: number): string => `a: ${'['.repeat(levels - 1)}x${']'.repeat(levels - 1)}\n`;
  it('accepts exactly maxDepth levels and refuses one more', () => {
    expect(parse(nested(10), { maxDepth: 10 }).ok).toBe(true);
    const r = parse(nested(11), { maxDepth: 10 });
    expect(!r.ok && r.error.code).toBe('TOO_DEEP');
  });
});

describe('the bounds in the configuration', () => {
  const valid = `
bucket: facility
watchedDirectories: [datasets]
institutionName: X
managerGroupId: m
userGroupId: u
serviceUserId: s
s3Storage: { endpoint: "https://s3.example.org" }
restAccess: { onezone: { host: zone.example.org }, oneproviders: [{ host: p.example.org }] }
`;
  const problems = (extra: string): string[] => {
    try {
      parseConfig(valid + extra);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as ConfigError).problems.map((p) => `${p.key}: ${p.message}`);
    }
    throw new Error('expected the configuration to be rejected');
  };

  it("defaults to the parser's bounds and passes the configured ones to every reader", () => {
    const c = parseConfig(valid);
    expect(c.limits).toEqual({ metadataMaxBytes: 256 * 1024, metadataMaxDepth: 64, metadataMaxNodes: 10_000, metadataMaxTotalScalarLength: 256 * 1024 });
    const tuned = parseConfig(`${valid}limits: { metadataMaxNodes: 200, metadataMaxDepth: 8, metadataMaxTotalScalarLength: 70000, metadataMaxBytes: 4096 }\n`);
    const settings = metadataParseSettings(tuned);
    expect(settings).toMatchObject({ maxNodes: 200, maxDepth: 8, maxTotalScalarLength: 70000, maxBytes: 4096 });
    const r = parseMetadata(encode(listOf(196)), settings);
    expect(!r.ok && r.error.code).toBe('TOO_MANY_NODES');
    expect(parseMetadata(encode(listOf(195)), settings).ok).toBe(true);
  });

  it('names the key and the reason for every bad bound', () => {
    const p = problems('limits:\n  metadataMaxNodes: lots\n  metadataMaxDepth: 1\n  metadataMaxTotalScalarLength: 2000\n  metadataMaxBytes: 67108864\n');
    expect(p).toContain('limits.metadataMaxNodes: must be a number (got string "lots")');
    expect(p).toContain('limits.metadataMaxDepth: must be at least 2 (got 1)');
    expect(p).toContain('limits.metadataMaxTotalScalarLength: must be at least 65536, the longest single value accepted (got 2000)');
    expect(p).toContain('limits.metadataMaxBytes: must be at most 524288 (got 67108864)');
    expect(problems('limits: { metadataMaxNodes: 1000000 }\n')).toContain('limits.metadataMaxNodes: must be at most 30000 (got 1000000)');
    expect(problems('limits: { metadataMaxNodes: 2.5 }\n')).toContain('limits.metadataMaxNodes: must be a whole number (got 2.5)');
    expect(problems('limits: { metadataMaxNode: 5 }\n')).toContain('limits.metadataMaxNode: is not a known key (a typo?)');
  });
});
