import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, type MetadataValue, parseMetadata, parseMetadataText } from '../../../shared/metadata/index.ts';
import { encode, goodFiles, readGood } from './helpers.ts';

function ok(bytes: Uint8Array | string, options = {}) {
  const r = typeof bytes === 'string' ? parseMetadataText(bytes, options) : parseMetadata(bytes, options);
  if (!r.ok) throw new Error(`unexpected rejection: ${r.error.code} ${r.error.message}`);
  return r;
}
function rejected(bytes: Uint8Array | string, options = {}) {
  const r = typeof bytes === 'string' ? parseMetadata(encode(bytes), options) : parseMetadata(bytes, options);
  if (r.ok) throw new Error('expected a rejection');
  return r.error;
}
function anyDate(v: MetadataValue): boolean {
  if (v instanceof Date) return true;
  if (Array.isArray(v)) return v.some(anyDate);
  if (v && typeof v === 'object') return Object.values(v).some(anyDate);
  return false;
}

describe('parseMetadata: the seed example', () => {
  it('reads nested Sample and User mappings as written', () => {
    const { doc } = ok(readGood('seed-spa.yml'));
    expect(doc.Autoname).toBe('20211227125_Demo');
    expect(doc.NotifyCompletion).toBe(true);
    expect(doc.Err).toBeNull();
    expect(doc.Sample).toMatchObject({ File: '', Name: '70S_RNAP', Subexperiments: [], Type: 'SPA' });
    expect(doc.User).toMatchObject({ Email: 'blahblah@ceitec.muni.cz', UserType: 'internal' });
  });
});

describe('parseMetadata: scalars are kept as written', () => {
  const { doc } = ok(readGood('typed-scalars.yml'));

  it('never changes what a number-looking or date-looking value says', () => {
    expect(doc).toMatchObject({
      Version: '1.10',
      Zip: '012345',
      Hex: '0x1F',
      Date: '2024-05-01',
      Timestamp: '2024-05-01T10:00:00Z',
      Yes: 'yes',
      Big: '123456789012345678901234567890',
      Exp: '1e3',
    });
  });

  it('types canonical integers, decimals, booleans and null (they print back identically)', () => {
    expect(doc).toMatchObject({ Count: 42, Ratio: 2.5, Flag: false, Nothing: null });
  });

  it('never produces a Date, anywhere in the corpus', () => {
    for (const file of goodFiles()) expect(anyDate(ok(readGood(file)).doc)).toBe(false);
  });

  it('keeps quoted values as strings', () => {
    expect(ok("a: 'true'\nb: \"42\"\nc: '~'\n").doc).toEqual({ a: 'true', b: '42', c: '~' });
  });

  it('reads JSON files (YAML flow syntax)', () => {
    expect(ok(readGood('json-style.yml')).doc).toEqual({ Autoname: '20230303_JSON', Instrument: 'Krios', Tags: ['a', 'b'], Nested: { x: 1 } });
  });

  it('keeps __proto__ as an ordinary key without touching prototypes', () => {
    const { doc } = ok(readGood('hostile-but-valid.yml'));
    expect(Object.prototype.hasOwnProperty.call(doc, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(doc)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('parseMetadata: encoding, BOM and line endings', () => {
  it('accepts and remembers a UTF-8 BOM; text encodes back to the same bytes', () => {
    const bytes = readGood('bom.yml');
    const r = ok(bytes);
    expect(r.bom).toBe(true);
    expect(r.text.startsWith('\uFEFF')).toBe(true);
    expect(encode(r.text)).toEqual(bytes);
    expect(r.doc.Autoname).toBe('20220202_BOM');
  });

  it('accepts CRLF and reports it; the document equals the LF one', () => {
    const crlf = ok(readGood('crlf.yml'));
    const lf = ok(readGood('seed-spa.yml'));
    expect(crlf.eol).toBe('\r\n');
    expect(lf.eol).toBe('\n');
    expect(crlf.doc).toEqual(lf.doc);
  });

  it('reads unicode values', () => {
    const { doc } = ok(readGood('unicode.yml'));
    expect(doc.Japanese).toBe('電子顕微鏡');
    expect((doc.User as Record<string, unknown>).Name).toBe('Zoë Ångström');
  });

  it('parseMetadataText gives the same result as parseMetadata', () => {
    for (const file of goodFiles()) {
      const fromBytes = ok(readGood(file));
      expect(ok(fromBytes.text)).toEqual(fromBytes);
    }
  });
});

describe('parseMetadata: limits', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_LIMITS).toEqual({
      maxBytes: 256 * 1024,
      maxDepth: 64,
      maxScalarLength: 64 * 1024,
      maxKeyLength: 1024,
      maxNodes: 10_000,
      maxTotalScalarLength: 256 * 1024,
    });
  });

  it('rejects a file over 256 KiB by default, and accepts it when the limit is raised', () => {
    const line = 'Key%: some value of moderate length to fill the file\n';
    const big = Array.from({ length: 5_000 }, (_, i) => line.replace('%', String(i))).join('');
    expect(big.length).toBeGreaterThan(256 * 1024);
    const e = rejected(big);
    expect(e.code).toBe('TOO_LARGE');
    expect(e.message).toContain('limit of 262144 bytes');
    expect(ok(encode(big), { maxBytes: 1024 * 1024, maxTotalScalarLength: 1024 * 1024, maxNodes: 20_000 }).doc.Key0).toBeDefined();
  });

  it('rejects a single huge scalar even within the file size limit', () => {
    const e = rejected(`a: ${'x'.repeat(70_000)}\n`);
    expect(e.code).toBe('SCALAR_TOO_LARGE');
    expect(e.line).toBe(1);
    expect(ok(`a: ${'x'.repeat(70_000)}\n`, { maxScalarLength: 100_000 }).doc.a).toHaveLength(70_000);
  });

  it('accepts exactly maxDepth levels of nesting and rejects one more', () => {
    const nested = (levels: number) => `a: ${'['.repeat(levels - 1)}x${']'.repeat(levels - 1)}\n`; // root mapping = level 1
    expect(ok(nested(64)).doc.a).toBeDefined();
    expect(rejected(nested(65)).code).toBe('TOO_DEEP');
    expect(ok(nested(4), { maxDepth: 4 }).doc.a).toBeDefined();
    expect(rejected(nested(5), { maxDepth: 4 }).code).toBe('TOO_DEEP');
  });

  it('refuses nonsensical limits as a configuration error', () => {
    expect(() => parseMetadata(encode('a: 1\n'), { maxDepth: 0 })).toThrow(TypeError);
    expect(() => parseMetadata(encode('a: 1\n'), { maxDepth: 100_000 })).toThrow(TypeError);
    expect(() => parseMetadata(encode('a: 1\n'), { maxBytes: Number.NaN })).toThrow(TypeError);
  });

  it('rejects over-long keys', () => {
    expect(rejected(`${'k'.repeat(1025)}: v\n`).code).toBe('KEY_TOO_LONG');
    expect(ok(`${'k'.repeat(1024)}: v\n`).doc).toBeDefined();
  });

  it('refuses an alias bomb without expanding it', () => {
    let text = 'a: &a [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 0, prev = 'a'; i < 20; i++) {
      const name = `n${i}`;
      text += `${name}: &${name} [${Array(10).fill(`*${prev}`).join(', ')}]\n`;
      prev = name;
    }
    expect(rejected(text).code).toBe('ANCHOR_OR_ALIAS');
  });
});

describe('parseMetadata: error messages', () => {
  it('name the line and column of the problem', () => {
    const e = rejected('Autoname: x\nSample:\n  Name: a\n  Name: b\n');
    expect(e).toMatchObject({ code: 'DUPLICATE_KEY', line: 4 });
    expect(e.message).toMatch(/^line 4, column \d+: a key appears twice/);
  });

  it('count columns after a BOM as an editor does', () => {
    expect(rejected('\uFEFFa: &x 1\n')).toMatchObject({ code: 'ANCHOR_OR_ALIAS', line: 1, column: 4 });
  });

  it('never throw, whatever the bytes', () => {
    const samples: Uint8Array[] = [new Uint8Array([0xff]), new Uint8Array([0xef, 0xbb, 0xbf]), encode('\uFEFF'), encode(':'), encode('? '), encode('[')];
    for (const s of samples) expect(() => parseMetadata(s)).not.toThrow();
    expect(rejected(encode('\uFEFF')).code).toBe('EMPTY_DOCUMENT');
  });
});
