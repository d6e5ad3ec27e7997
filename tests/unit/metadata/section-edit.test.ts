import { describe, expect, it } from 'vitest';
import { load } from 'js-yaml';
import {
  DEFAULT_TAGS,
  MetadataWriteError,
  type AccessInfoValues,
  type MetadataTags,
  parseMetadata,
  parseMetadataText,
  readAccessInfo,
  renderAccessInfoFile,
  upsertAccessInfo,
} from '../../../shared/metadata/index.ts';
import { encode, readGood } from './helpers.ts';

const V: AccessInfoValues = {
  onezone: 'https://datahub.egi.eu',
  space: 'c265f2cc65a1bc1835929288be145d72ch458a',
  inviteToken: 'MDAxY2xvY2F0aW9uIGRhdGFodWIuZWdpLmV1CjAwNmJpZGVudGlmaWVy',
  publicURL: 'https://datahub.egi.eu/share/17gd43dbede8fh8cbf995f0b4c8f960fchdc1f',
};
const SECTION = [
  'Onedata:',
  '  Onezone: https://datahub.egi.eu',
  '  Space: c265f2cc65a1bc1835929288be145d72ch458a',
  '  InviteToken: MDAxY2xvY2F0aW9uIGRhdGFodWIuZWdpLmV1CjAwNmJpZGVudGlmaWVy',
  '  PublicURL: https://datahub.egi.eu/share/17gd43dbede8fh8cbf995f0b4c8f960fchdc1f',
].join('\n');

const upsert = (text: string, values: AccessInfoValues = V, tags: MetadataTags = DEFAULT_TAGS) => upsertAccessInfo(text, tags, values);
const goodText = (name: string) => new TextDecoder('utf-8', { ignoreBOM: true }).decode(readGood(name));

function writeError(fn: () => unknown): MetadataWriteError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MetadataWriteError);
    return e as MetadataWriteError;
  }
  throw new Error('expected a MetadataWriteError');
}

describe('upsertAccessInfo: appending a section', () => {
  it('appends a block section after the last line of the seed example', () => {
    const text = goodText('seed-spa.yml');
    expect(upsert(text)).toBe(`${text}${SECTION}\n`);
  });

  it('adds a line break first when the file does not end with one', () => {
    expect(upsert('Autoname: x\nInstrument: Krios')).toBe(`Autoname: x\nInstrument: Krios\n${SECTION}\n`);
  });

  it('appends after trailing comments', () => {
    const text = 'a: 1\n# trailing\n\n# comments\n';
    expect(upsert(text)).toBe(`${text}${SECTION}\n`);
  });

  it('inserts before the document end marker, leaving what follows it alone', () => {
    const text = '%YAML 1.2\n---\na: 1\n...\n# after\n';
    expect(upsert(text)).toBe(`%YAML 1.2\n---\na: 1\n${SECTION}\n...\n# after\n`);
  });

  it('writes CRLF lines into a CRLF file and keeps the BOM', () => {
    const text = '\uFEFFa: 1\r\nb: 2\r\n';
    expect(upsert(text)).toBe(`\uFEFFa: 1\r\nb: 2\r\n${SECTION.replace(/\n/g, '\r\n')}\r\n`);
  });

  it('uses the indentation of an indented root mapping', () => {
    const out = upsert('  a: 1\n  b: 2\n');
    expect(out).toBe(`  a: 1\n  b: 2\n${SECTION.replace(/^/gm, '  ')}\n`);
  });

  it('adds a JSON entry to a JSON file, which stays valid JSON', () => {
    const text = '{"a": 1, "b": [2, 3]}\n';
    const out = upsert(text);
    expect(out.startsWith('{"a": 1, "b": [2, 3], "Onedata": {"Onezone": "https://datahub.egi.eu", ')).toBe(true);
    expect(out.endsWith('}}\n')).toBe(true);
    expect(JSON.parse(out)).toEqual({ a: 1, b: [2, 3], Onedata: { Onezone: V.onezone, Space: V.space, InviteToken: V.inviteToken, PublicURL: V.publicURL } });
  });

  it('fills an empty .fs2od text only when allowed, and refuses an empty trigger file by default', () => {
    expect(upsertAccessInfo('', DEFAULT_TAGS, V, { allowEmpty: true })).toBe(`${SECTION}\n`);
    expect(upsertAccessInfo('\uFEFF', DEFAULT_TAGS, V, { allowEmpty: true })).toBe(`\uFEFF${SECTION}\n`);
    expect(upsertAccessInfo('# comment only', DEFAULT_TAGS, V, { allowEmpty: true })).toBe(`# comment only\n${SECTION}\n`);
    expect(upsertAccessInfo('---\n...\n', DEFAULT_TAGS, V, { allowEmpty: true })).toBe(`---\n${SECTION}\n...\n`);
    expect(writeError(() => upsert('')).metadataError?.code).toBe('EMPTY_DOCUMENT');
  });

  it('uses the configured section and key names (fs2od metadataFileTags)', () => {
    const tags: MetadataTags = { onedata: 'Onedata2', onezone: 'Zone', space: 'SpaceId', inviteToken: 'Token', publicURL: 'URL', replicas: 'Copies' };
    const text = 'Onedata:\n  Space: legacy\n';
    const out = upsert(text, V, tags);
    expect(out.startsWith(text)).toBe(true);
    expect(out.slice(text.length)).toBe(`Onedata2:\n  Zone: ${V.onezone}\n  SpaceId: ${V.space}\n  Token: ${V.inviteToken}\n  URL: ${V.publicURL}\n`);
    const parsed = parseMetadataText(out, { tags });
    expect(parsed.ok && readAccessInfo(parsed.doc, tags)).toEqual(V);
  });
});

describe('upsertAccessInfo: updating an existing section', () => {
  it('rewrites only our changed lines, keeping operator keys, comments and order', () => {
    const text = [
      'Autoname: x',
      'Onedata:',
      '  # filled in by s3od',
      '  Contact: helpdesk@example.org   # operator key',
      '  Space: old-space  # the space id',
      '  Note: |',
      '    two',
      '    lines',
      '  InviteToken: "old token"',
      'After: 1',
      '',
    ].join('\n');
    expect(upsert(text)).toBe(
      [
        'Autoname: x',
        'Onedata:',
        '  # filled in by s3od',
        '  Contact: helpdesk@example.org   # operator key',
        `  Onezone: ${V.onezone}`,
        `  Space: ${V.space}  # the space id`,
        '  Note: |',
        '    two',
        '    lines',
        `  InviteToken: ${V.inviteToken}`,
        `  PublicURL: ${V.publicURL}`,
        'After: 1',
        '',
      ].join('\n'),
    );
  });

  it('leaves the file untouched (same string) when it already holds the values', () => {
    const text = `# header\n${SECTION}   \n\nafter: x   # keep\n`;
    expect(upsert(text)).toBe(text);
    // Quoted differently but equal: still untouched.
    const quoted = `Onedata:\n  Onezone: "${V.onezone}"\n  Space: '${V.space}'\n  InviteToken: ${V.inviteToken}\n  PublicURL: ${V.publicURL}\n`;
    expect(upsert(quoted)).toBe(quoted);
  });

  it('rewrites a value that is equal only as text (a number is not our string)', () => {
    const text = `Onedata:\n  Onezone: ${V.onezone}\n  Space: 1234\n  InviteToken: ${V.inviteToken}\n  PublicURL: ${V.publicURL}\n`;
    const out = upsert(text, { ...V, space: '1234' });
    expect(out).toBe(text.replace('Space: 1234', 'Space: "1234"'));
  });

  it('replaces a multi-line value of ours (block scalar) with one line and keeps the layout after it', () => {
    const text = 'Onedata:\n  InviteToken: |\n    old\n    token\n\n  Space: s\nz: 1\n';
    const out = upsert(text);
    // A missing key goes before the next of ours that exists (Onezone before Space), or at the end.
    expect(out).toBe(`Onedata:\n  InviteToken: ${V.inviteToken}\n\n  Onezone: ${V.onezone}\n  Space: ${V.space}\n  PublicURL: ${V.publicURL}\nz: 1\n`);
  });

  it("never splits a keep-chomping block scalar (|+, >+) from its trailing line breaks: they are the operator's value", () => {
    // Guards the keep case in tree.ts's block-scalar end (removed: our keys went between the value
    // and its kept blank lines, the read-back check refused the write, and provisioning failed after
    // creating everything).
    for (const text of [
      'Autoname: Keep\nOnedata:\n  Notes: |+\n    handed over on USB\n\nInstrument: TitanKrios\n',
      'Autoname: Keep\nOnedata:\n  Notes: >+\n    handed over\n\n\n',
      'A: 1\nOnedata:\n  Space: old\n  Notes:\n    text: |+\n      line\n\nB: 2\n',
      'A: 1\r\nOnedata:\r\n  Notes: |+\r\n    line\r\n\r\n# after\r\nB: 2\r\n',
    ]) {
      const out = upsert(text);
      const before = load(text) as Record<string, Record<string, unknown>>;
      const after = load(out) as Record<string, Record<string, unknown>>;
      expect(after.Onedata!.Notes, text).toEqual(before.Onedata!.Notes);
      const reparsed = parseMetadataText(out);
      if (!reparsed.ok) throw new Error(reparsed.error.message);
      expect(readAccessInfo(reparsed.doc)).toEqual({ onezone: V.onezone, space: V.space, inviteToken: V.inviteToken, publicURL: V.publicURL });
      expect(upsert(out)).toBe(out);
    }
  });

  it('replaces an empty section and keeps the comment on its line', () => {
    expect(upsert('a: 1\nOnedata:   # ours\nb: 2\n')).toBe(`a: 1\nOnedata:   # ours\n${SECTION.split('\n').slice(1).join('\n')}\nb: 2\n`);
    for (const empty of ['~', 'null', "''", '""', '{}']) {
      expect(upsert(`a: 1\nOnedata: ${empty}\nb: 2\n`)).toBe(`a: 1\n${SECTION}\nb: 2\n`);
    }
  });

  it('keeps a missing final line break missing when the section is replaced in place', () => {
    expect(upsert('a: 1\nOnedata:')).toBe(`a: 1\n${SECTION}`);
  });

  it('edits a flow section in place, keeping its other keys', () => {
    const text = 'a: 1\nOnedata: {Space: abc, Comment: "kept", Providers: [p1, p2]}   # c\nb: 2\n';
    expect(upsert(text)).toBe(
      `a: 1\nOnedata: {Space: "${V.space}", Comment: "kept", Providers: [p1, p2], Onezone: "${V.onezone}", InviteToken: "${V.inviteToken}", PublicURL: "${V.publicURL}"}   # c\nb: 2\n`,
    );
  });

  it('updates a .fs2od file and keeps DeniedProviders and LastProgramRun (fs2od bug 14d)', () => {
    for (const name of ['fs2od-flow.yml', 'fs2od-block.yml']) {
      const text = goodText(name);
      const out = upsert(text);
      const parsed = parseMetadataText(out);
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) continue;
      const section = parsed.doc.Onedata as Record<string, unknown>;
      expect(section.DeniedProviders).toEqual([]);
      expect(section.LastProgramRun).toBe('2023-05-01T10:00:00.123456');
      expect(readAccessInfo(parsed.doc)).toEqual(V);
    }
  });
});

describe('upsertAccessInfo: values that need quoting', () => {
  const tricky = [
    '1234567890',
    'true',
    'null',
    '~',
    '',
    '2024-05-01',
    '0x1F',
    '1e3',
    '012',
    'yes',
    '-abc',
    '?x',
    ':x',
    'a: b',
    'x #y',
    '#x',
    ' leading',
    'trailing ',
    "it's",
    'say "hi"',
    'back\\slash',
    'Zoë Ångström',
    '電子',
    '{not: a map}',
    '[1, 2]',
    '*alias',
    '&anchor',
    '!tag',
    '|',
    '>',
    '%x',
    '@x',
    '`x',
    'url:',
    `long ${'a'.repeat(50)}`,
  ];
  it.each(tricky)('round-trips %j in block and flow sections', (value) => {
    for (const base of ['a: 1\n', 'a: 1\nOnedata: {Space: x}\n', '{"a": 1}\n']) {
      const values = { ...V, space: value, publicURL: value };
      const out = upsert(base, values);
      const parsed = parseMetadataText(out);
      expect(parsed.ok).toBe(true);
      if (parsed.ok) expect(readAccessInfo(parsed.doc)).toEqual(Object.fromEntries(Object.entries(values).filter(([, v]) => v !== '')));
      // Any YAML 1.1/1.2 reader gets the same string back.
      const plain = load(out) as { Onedata: Record<string, unknown> };
      expect(plain.Onedata.Space).toBe(value);
    }
  });

  it("quotes what a YAML 1.2 reader (ruamel, fs2od's) would type or PyYAML refuse, though ours reads it as text", () => {
    // Guards TYPED_ELSEWHERE in renderBlockValue (removed: `Space: 1e9999` read as infinity by a
    // YAML 1.2 reader, and `Space: =` failed to load in PyYAML).
    for (const value of ['1e3', '1e9999', '1234567890e12345', '.5', '0o17', '=', '+12.5E-3']) {
      const out = upsert('a: 1\n', { ...V, space: value });
      expect(out, value).toContain(`\n  Space: ${JSON.stringify(value)}\n`);
    }
    // Ids that only look numeric in part stay plain.
    for (const value of ['1e3a', 'c265f2cc65a1bc18', '0o19', '=x']) expect(upsert('a: 1\n', { ...V, space: value })).toContain(`\n  Space: ${value}\n`);
  });

  it('writes ordinary ids, URLs and tokens plain, on one line, however long', () => {
    const token = 'MDAx' + 'abcDEF0123456789-_'.repeat(100);
    const out = upsert('a: 1\n', { ...V, inviteToken: token });
    expect(out).toContain(`\n  InviteToken: ${token}\n`);
    expect(out).toContain(`\n  Onezone: ${V.onezone}\n`);
  });
});

describe('upsertAccessInfo: refusals', () => {
  it('refuses a file that is not a valid metadata file, with the parse error attached', () => {
    const e = writeError(() => upsert('a: 1\na: 2\n'));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.metadataError?.code).toBe('DUPLICATE_KEY');
    expect(writeError(() => upsert('Onedata: [x]\n')).metadataError?.code).toBe('BAD_SECTION');
    expect(writeError(() => upsert('- a\n')).metadataError?.code).toBe('NOT_A_MAPPING');
  });

  it('refuses values with line breaks, control characters or a wrong type', () => {
    expect(writeError(() => upsert('a: 1\n', { ...V, inviteToken: 'abc\ndef' })).code).toBe('INVALID_VALUE');
    expect(writeError(() => upsert('a: 1\n', { ...V, space: 'a\u0000b' })).code).toBe('INVALID_VALUE');
    expect(writeError(() => upsert('a: 1\n', { ...V, space: 42 as unknown as string })).code).toBe('INVALID_VALUE');
  });

  it('refuses unusable tag names', () => {
    expect(writeError(() => upsert('a: 1\n', V, { ...DEFAULT_TAGS, onedata: '' })).code).toBe('INVALID_TAGS');
    expect(writeError(() => upsert('a: 1\n', V, { ...DEFAULT_TAGS, space: 'Onezone' })).code).toBe('INVALID_TAGS');
    expect(writeError(() => upsert('a: 1\n', V, { ...DEFAULT_TAGS, onedata: 'a\nb' })).code).toBe('INVALID_TAGS');
  });
});

describe('renderAccessInfoFile', () => {
  it('renders the separate access-info file', () => {
    expect(renderAccessInfoFile(DEFAULT_TAGS, V)).toBe(`${SECTION}\n`);
    expect(renderAccessInfoFile(DEFAULT_TAGS, V, '\r\n')).toBe(`${SECTION.replace(/\n/g, '\r\n')}\r\n`);
  });

  it('renders something that parses back to the values, and that upsert leaves alone', () => {
    const text = renderAccessInfoFile(DEFAULT_TAGS, V);
    const parsed = parseMetadata(encode(text));
    expect(parsed.ok && readAccessInfo(parsed.doc)).toEqual(V);
    expect(upsert(text)).toBe(text);
  });
});
