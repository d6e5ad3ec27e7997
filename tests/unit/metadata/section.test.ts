import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TAGS,
  type MetadataDocument,
  type MetadataTags,
  REDACTED,
  parseMetadataText,
  readAccessInfo,
  validateTags,
  withoutSection,
} from '../../../shared/metadata/index.ts';

const TOKEN = 'MDAxY2xvY2F0aW9uIGRhdGFodWIuZWdpLmV1CjAwNmJpZGVudGlmaWVy';

function doc(text: string): MetadataDocument {
  const r = parseMetadataText(text);
  if (!r.ok) throw new Error(r.error.message);
  return r.doc;
}

describe('DEFAULT_TAGS', () => {
  it('matches fs2od code defaults', () => {
    expect(DEFAULT_TAGS).toEqual({
      onedata: 'Onedata',
      onezone: 'Onezone',
      space: 'Space',
      inviteToken: 'InviteToken',
      publicURL: 'PublicURL',
      replicas: 'Replicas',
    });
    expect(Object.isFrozen(DEFAULT_TAGS)).toBe(true);
  });
});

describe('readAccessInfo', () => {
  it('reads all four values', () => {
    const d = doc(`Onedata:\n  Onezone: https://z\n  Space: s1\n  InviteToken: ${TOKEN}\n  PublicURL: https://z/share/1\n`);
    expect(readAccessInfo(d)).toEqual({ onezone: 'https://z', space: 's1', inviteToken: TOKEN, publicURL: 'https://z/share/1' });
  });

  it('reports only what is there; null and empty values are absent', () => {
    expect(readAccessInfo(doc('Onedata:\n  Space: s1\n  InviteToken:\n  PublicURL: ""\n'))).toEqual({ space: 's1' });
    expect(readAccessInfo(doc('a: 1\n'))).toEqual({});
    expect(readAccessInfo(doc('Onedata:\n'))).toEqual({});
  });

  it('gives numbers and booleans as the text they were written as', () => {
    expect(readAccessInfo(doc('Onedata:\n  Space: 1234\n  Onezone: true\n'))).toEqual({ space: '1234', onezone: 'true' });
  });

  it('uses configured names, and ignores look-alike sections of other names', () => {
    const tags: MetadataTags = { ...DEFAULT_TAGS, onedata: 'Onedata2', space: 'SpaceId' };
    const d = doc('Onedata:\n  Space: old\nOnedata2:\n  SpaceId: new\n');
    expect(readAccessInfo(d, tags)).toEqual({ space: 'new' });
    expect(readAccessInfo(d)).toEqual({ space: 'old' });
  });
});

describe('withoutSection', () => {
  const d = doc(
    [
      'Autoname: x',
      `Notes: the token was ${TOKEN} (pasted by mistake)`,
      'Nested:',
      `  - ${TOKEN}`,
      `  - {key: ${TOKEN}}`,
      `${TOKEN}: as a key`,
      'Onedata:',
      '  Space: s1',
      `  InviteToken: ${TOKEN}`,
      'After: 1',
      '',
    ].join('\n'),
  );

  it('drops our section and keeps everything else, in order', () => {
    const out = withoutSection(d);
    expect(Object.keys(out)).toEqual(['Autoname', 'Notes', 'Nested', `${REDACTED}`, 'After']);
    expect(out.Autoname).toBe('x');
    expect(out.After).toBe(1);
    expect(out.Onedata).toBeUndefined();
  });

  it("scrubs the section's invite token wherever else it appears", () => {
    const json = JSON.stringify(withoutSection(d));
    expect(json).not.toContain(TOKEN);
    expect(json).toContain(`the token was ${REDACTED} (pasted by mistake)`);
  });

  it('scrubs extra secrets given by the caller', () => {
    const out = withoutSection(doc('a: contains SECRET-VALUE-123 here\n'), DEFAULT_TAGS, { redact: ['SECRET-VALUE-123'] });
    expect(out.a).toBe(`contains ${REDACTED} here`);
  });

  it('does not scrub very short tokens (they would mask ordinary words)', () => {
    const out = withoutSection(doc('a: abc def\nOnedata:\n  InviteToken: abc\n'));
    expect(out).toEqual({ a: 'abc def' });
  });

  it('does not modify its input', () => {
    const before = JSON.stringify(d);
    withoutSection(d);
    expect(JSON.stringify(d)).toBe(before);
  });

  it('keeps __proto__ as an own key without polluting prototypes', () => {
    const out = withoutSection(doc('__proto__: {polluted: true}\nOnedata: {}\n'));
    expect(Object.prototype.hasOwnProperty.call(out, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('validateTags', () => {
  it('accepts the defaults and fs2od-style names', () => {
    expect(validateTags(DEFAULT_TAGS)).toBe(DEFAULT_TAGS);
    expect(() => validateTags({ ...DEFAULT_TAGS, onedata: 'Onedata2' })).not.toThrow();
  });

  it.each([
    ['empty', { onedata: '' }],
    ['line break', { space: 'Sp\nace' }],
    ['surrounding blanks', { space: ' Space' }],
    ['__proto__', { onedata: '__proto__' }],
    ['duplicate inner names', { space: 'Onezone' }],
  ])('rejects %s', (_label, patch) => {
    expect(() => validateTags({ ...DEFAULT_TAGS, ...patch })).toThrow(TypeError);
  });
});
