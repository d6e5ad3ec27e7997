import { describe, expect, it } from 'vitest';
import { DEFAULT_TAGS, type AccessInfoValues, type MetadataDocument, parseMetadata, readAccessInfo, upsertAccessInfo } from '../../../shared/metadata/index.ts';
import { ALL_VALUE_SETS, encode, goodFiles, readGood, removeSection } from './helpers.ts';

const OURS = [DEFAULT_TAGS.onezone, DEFAULT_TAGS.space, DEFAULT_TAGS.inviteToken, DEFAULT_TAGS.publicURL];

function parseOk(bytes: Uint8Array) {
  const parsed = parseMetadata(bytes);
  if (!parsed.ok) throw new Error(`expected a valid file: ${parsed.error.message}`);
  return parsed;
}

function withoutOurSection(doc: MetadataDocument): MetadataDocument {
  const copy: MetadataDocument = {};
  for (const k of Object.keys(doc)) if (k !== DEFAULT_TAGS.onedata) Object.defineProperty(copy, k, { value: doc[k], enumerable: true });
  return copy;
}

function operatorKeys(doc: MetadataDocument): Record<string, unknown> {
  const section = doc[DEFAULT_TAGS.onedata];
  if (section === null || typeof section !== 'object' || Array.isArray(section)) return {};
  return Object.fromEntries(Object.entries(section).filter(([k]) => !OURS.includes(k)));
}

describe('upsertAccessInfo over the good corpus', () => {
  const files = goodFiles();

  it('has a corpus of at least 25 files', () => {
    expect(files.length).toBeGreaterThanOrEqual(25);
  });

  describe.each(files)('%s', (file) => {
    const bytes = readGood(file);
    const original = parseOk(bytes);

    it('decodes to text that encodes back to the same bytes', () => {
      expect(encode(original.text)).toEqual(bytes);
    });

    describe.each(Object.entries(ALL_VALUE_SETS))('with %s values', (_label, values: AccessInfoValues) => {
      const result = upsertAccessInfo(original.text, DEFAULT_TAGS, values);

      it('(a) parses and (b) holds our four values', () => {
        const reparsed = parseOk(encode(result));
        expect(readAccessInfo(reparsed.doc)).toEqual(values);
      });

      it('keeps the rest of the document and the operator keys inside the section', () => {
        const reparsed = parseOk(encode(result));
        expect(withoutOurSection(reparsed.doc)).toEqual(withoutOurSection(original.doc));
        expect(operatorKeys(reparsed.doc)).toEqual(operatorKeys(original.doc));
      });

      it('(c) is byte-identical outside the section', () => {
        const text = original.text;
        if (
          text
            .replace(/^\uFEFF/, '')
            .trimStart()
            .startsWith('{')
        ) {
          // A JSON-style file: the section is a single inserted entry, nothing else differs.
          let p = 0;
          while (p < text.length && text[p] === result[p]) p++;
          let s = 0;
          while (s < text.length - p && text[text.length - 1 - s] === result[result.length - 1 - s]) s++;
          expect(p + s).toBe(text.length);
          expect(result.slice(p, result.length - s)).toMatch(/^, "Onedata": \{.*\}$/s);
          return;
        }
        const before = removeSection(text);
        const after = removeSection(result);
        expect(after).toBeDefined();
        const restBefore = before ? before.rest : text;
        // The only permitted difference: a line break added after a last line that had none.
        const allowed = [restBefore];
        if (!text.endsWith('\n')) allowed.push(restBefore + original.eol);
        expect(allowed).toContain(after!.rest);
        // Operator lines inside a block section survive verbatim.
        if (before && !before.section.includes('{')) {
          for (const line of before.section.split(/\r?\n/).slice(1)) {
            const key = /^\s*([A-Za-z]+):/.exec(line)?.[1];
            if (key && !OURS.includes(key)) expect(after!.section).toContain(line);
            if (/^\s*#/.test(line)) expect(after!.section).toContain(line);
          }
        }
      });

      it('(d) keeps the BOM and the line ending style', () => {
        expect(result.startsWith('\uFEFF')).toBe(original.bom);
        expect(result.indexOf('\uFEFF', 1)).toBe(-1);
        if (original.text.includes('\n')) {
          if (original.eol === '\r\n') expect(result).not.toMatch(/(?<!\r)\n/);
          else expect(result).not.toContain('\r');
        }
      });

      it('(e) is idempotent and returns the very same text when nothing changes', () => {
        expect(upsertAccessInfo(result, DEFAULT_TAGS, values)).toBe(result);
      });
    });

    it('changes only what differs when the values change again', () => {
      const first = upsertAccessInfo(original.text, DEFAULT_TAGS, ALL_VALUE_SETS.typical!);
      const second = upsertAccessInfo(first, DEFAULT_TAGS, ALL_VALUE_SETS.awkward!);
      expect(readAccessInfo(parseOk(encode(second)).doc)).toEqual(ALL_VALUE_SETS.awkward);
      const back = upsertAccessInfo(second, DEFAULT_TAGS, ALL_VALUE_SETS.typical!);
      expect(back).toBe(first);
    });
  });
});
