import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TAGS,
  METADATA_ERROR_CODES,
  MetadataWriteError,
  type MetadataErrorCode,
  type MetadataLimits,
  parseMetadata,
  readAccessInfo,
  upsertAccessInfo,
} from '../../../shared/metadata/index.ts';
import { BAD_DIR, TYPICAL, encode } from './helpers.ts';

interface Expectation {
  path: string;
  ok: boolean;
  code?: MetadataErrorCode;
  /** Text the operator message must contain. */
  mentions?: string;
  line?: number;
  limits?: Partial<MetadataLimits>;
  note?: string;
  folderName?: string;
}

const manifest = JSON.parse(readFileSync(join(BAD_DIR, 'manifest.json'), 'utf8')) as { files: Expectation[] };

function listFixtures(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return listFixtures(full);
    return name.endsWith('.yml') ? [relative(BAD_DIR, full).split('\\').join('/')] : [];
  });
}

describe('bad-metadata corpus', () => {
  it('lists every fixture in the manifest, and only existing ones', () => {
    const listed = manifest.files.map((f) => f.path).sort();
    expect(listed).toEqual(listFixtures(BAD_DIR).sort());
    expect(new Set(listed).size).toBe(listed.length);
  });

  it('has at least 30 rejected files in named categories', () => {
    const rejected = manifest.files.filter((f) => !f.ok);
    expect(rejected.length).toBeGreaterThanOrEqual(30);
    expect(new Set(rejected.map((f) => f.path.split('/')[0])).size).toBeGreaterThanOrEqual(10);
    for (const f of rejected) expect(METADATA_ERROR_CODES).toContain(f.code);
  });

  describe.each(manifest.files)('$path', (expected) => {
    const bytes = new Uint8Array(readFileSync(join(BAD_DIR, expected.path)));
    const limits = expected.limits ?? {};

    if (!expected.ok) {
      it(`is rejected with ${expected.code}, without throwing, naming the problem`, () => {
        let result: ReturnType<typeof parseMetadata> | undefined;
        expect(() => {
          result = parseMetadata(bytes, limits);
        }).not.toThrow();
        expect(result!.ok).toBe(false);
        if (result!.ok) return;
        expect(result!.error.code).toBe(expected.code);
        expect(result!.error.message.length).toBeGreaterThan(20);
        if (expected.mentions) expect(result!.error.message).toContain(expected.mentions);
        if (expected.line !== undefined) {
          expect(result!.error.line).toBe(expected.line);
          expect(result!.error.message).toMatch(new RegExp(`^line ${expected.line}, column \\d+: `));
        }
      });

      it('is refused by upsertAccessInfo (or never gets that far)', () => {
        const decoded = tryDecode(bytes);
        if (decoded === undefined) return; // Not UTF-8: the caller never has a text to edit.
        let error: unknown;
        try {
          upsertAccessInfo(decoded, DEFAULT_TAGS, TYPICAL, { limits });
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(MetadataWriteError);
        expect((error as MetadataWriteError).code).toBe('INVALID_INPUT');
        // TOO_LARGE is checked on bytes; on text the same limit applies to its UTF-8 size.
        expect((error as MetadataWriteError).metadataError?.code).toBe(expected.code);
      });
    } else {
      it(`is accepted (${expected.note ?? 'valid'}) and can be written back`, () => {
        const result = parseMetadata(bytes, limits);
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        const out = upsertAccessInfo(result.text, DEFAULT_TAGS, TYPICAL);
        const again = parseMetadata(encode(out));
        expect(again.ok && readAccessInfo(again.doc)).toEqual(TYPICAL);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      });
    }
  });
});

function tryDecode(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
