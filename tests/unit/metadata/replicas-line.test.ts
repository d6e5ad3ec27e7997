/**
 * The optional replication line of our section (`Replicas: 2 copies complete (2026-12-04)`), written
 * by the lifecycle pass only: added or updated when given, and — when not given, as in every
 * provisioning write-back — neither added nor removed nor changed.
 */
import { describe, expect, it } from 'vitest';
import { parseEvents } from 'js-yaml';
import {
  DEFAULT_TAGS,
  MetadataWriteError,
  type AccessInfoValues,
  parseMetadataText,
  readAccessInfo,
  renderAccessInfoFile,
  upsertAccessInfo,
  validateTags,
  withoutSection,
} from '../../../shared/metadata/index.ts';
import { exceedsWork } from '../../../shared/metadata/work.ts';
import { replicationLine } from '../../../shared/lifecycle/replication-line.ts';
import { goodFiles, readGood, TYPICAL } from './helpers.ts';

const LINE = '3 copies complete (2026-12-04)';
const V: AccessInfoValues = {
  onezone: 'https://datahub.egi.eu',
  space: 'c265f2cc65a1bc1835929288be145d72ch458a',
  inviteToken: 'MDAxY2xvY2F0aW9uIGRhdGFodWIuZWdpLmV1CjAwNmJpZGVudGlmaWVy',
  publicURL: 'https://datahub.egi.eu/share/17gd43dbede8fh8cbf995f0b4c8f960fchdc1f',
};
const VR: AccessInfoValues = { ...V, replicas: LINE };
/** As written in block style (a value with blanks is double-quoted, like every value we write that needs it). */
const Q = `"${LINE}"`;
const OURS = ['Onedata:', `  Onezone: ${V.onezone}`, `  Space: ${V.space}`, `  InviteToken: ${V.inviteToken}`, `  PublicURL: ${V.publicURL}`];
const upsert = (text: string, values: AccessInfoValues) => upsertAccessInfo(text, DEFAULT_TAGS, values);
const lines = (...l: string[]) => l.join('\n') + '\n';
const docOf = (text: string) => {
  const r = parseMetadataText(text);
  if (!r.ok) throw new Error(r.error.message);
  return r.doc;
};

describe('replicationLine', () => {
  it('says the copies in all and the day replication completed', () => {
    expect(replicationLine(3, '2026-12-04T15:01:02.345Z')).toBe(LINE);
    expect(replicationLine(2, '2027-01-31T23:59:59Z')).toBe('2 copies complete (2027-01-31)');
  });
});

describe('the replication line in a block section', () => {
  it('is added after our last key, every other byte kept (comments at the end of our lines, an operator key inside)', () => {
    const text = lines('# head', 'Sample: x # note', ...OURS.slice(0, 3), '  Notes: keep me # op', OURS[3]!, `${OURS[4]} # our comment`, 'Tail: 1');
    const out = upsert(text, VR);
    expect(out).toBe(text.replace(`${OURS[4]} # our comment\n`, `${OURS[4]} # our comment\n  Replicas: ${Q}\n`));
    expect(readAccessInfo(docOf(out)).replicas).toBe(LINE);
    expect(docOf(out).Onedata).toMatchObject({ Notes: 'keep me' });
  });

  it('is updated in place (its trailing comment kept), and a second write with the same value returns the same text', () => {
    const text = lines('A: 1', ...OURS, '  Replicas: "2 copies complete (2026-01-01)" # ours', 'B: 2');
    const out = upsert(text, VR);
    expect(out).toBe(text.replace('  Replicas: "2 copies complete (2026-01-01)" # ours', `  Replicas: ${Q} # ours`));
    expect(upsert(out, VR)).toBe(out);
  });

  it('keeps CRLF and the BOM', () => {
    const text = '\uFEFF' + lines('A: 1', ...OURS).replace(/\n/g, '\r\n');
    const out = upsert(text, VR);
    expect(out).toBe(text + `  Replicas: ${Q}\r\n`);
  });

  it('goes into a fresh section and a fresh separate file with the other keys', () => {
    expect(upsert('A: 1\n', VR)).toBe(lines('A: 1', ...OURS, `  Replicas: ${Q}`));
    expect(upsert('A: 1\nOnedata: ~ # empty\n', VR)).toBe(lines('A: 1', 'Onedata: # empty', ...OURS.slice(1), `  Replicas: ${Q}`));
    expect(renderAccessInfoFile(DEFAULT_TAGS, VR)).toBe(lines(...OURS, `  Replicas: ${Q}`));
  });

  it('is put before the line when an access key is missing (canonical order)', () => {
    const text = lines('A: 1', ...OURS.slice(0, 4), `  Replicas: ${Q}`);
    expect(upsert(text, V)).toBe(lines('A: 1', ...OURS, `  Replicas: ${Q}`));
  });
});

describe('the replication line in a flow section', () => {
  it('is added to a flow section and to a JSON file, nothing else changed', () => {
    const flow = `A: 1\nOnedata: {Onezone: "${V.onezone}", Space: "${V.space}", InviteToken: "${V.inviteToken}", PublicURL: "${V.publicURL}", Notes: n} # c\n`;
    expect(upsert(flow, VR)).toBe(flow.replace('Notes: n}', `Notes: n, Replicas: "${LINE}"}`));
    const json = '{"A": 1}\n';
    const out = upsert(json, VR);
    expect(out).toBe(
      `{"A": 1, "Onedata": {"Onezone": "${V.onezone}", "Space": "${V.space}", "InviteToken": "${V.inviteToken}", "PublicURL": "${V.publicURL}", "Replicas": "${LINE}"}}\n`,
    );
    expect(JSON.parse(out).Onedata.Replicas).toBe(LINE);
  });

  it('is updated in place in a flow section', () => {
    const flow = `Onedata: {Onezone: "${V.onezone}", Space: "${V.space}", InviteToken: "${V.inviteToken}", PublicURL: "${V.publicURL}", Replicas: old}\n`;
    expect(upsert(flow, VR)).toBe(flow.replace('Replicas: old', `Replicas: "${LINE}"`));
  });
});

describe('without a value (every provisioning write-back)', () => {
  const withLine = [
    lines('A: 1', ...OURS, '  Replicas: "2 copies complete (2026-01-01)" # kept', 'B: 2'),
    lines('A: 1', 'Onedata:', '  Replicas: [odd, "operator list"]', '  Onezone: https://old.example.org'),
    `Onedata: {Replicas: 7, Onezone: "x"}\n`,
    '\uFEFF' + lines('Onedata:', '  Replicas: done', '  Space: old').replace(/\n/g, '\r\n'),
  ];

  it.each(withLine)('neither removes nor changes the line: %j', (text) => {
    const before = (docOf(text).Onedata as Record<string, unknown>).Replicas;
    const out = upsert(text, V);
    expect((docOf(out).Onedata as Record<string, unknown>).Replicas).toEqual(before);
    const lineOf = (t: string) => /Replicas: [^\r\n,}]*/.exec(t)![0];
    expect(lineOf(out)).toBe(lineOf(text));
  });

  it('never adds it', () => {
    for (const text of ['A: 1\n', lines('A: 1', ...OURS.slice(0, 3)), '{"A": 1}\n', 'Onedata: {Space: s}\n']) {
      expect(upsert(text, V)).not.toContain('Replicas');
    }
    expect(renderAccessInfoFile(DEFAULT_TAGS, V)).toBe(lines(...OURS));
  });

  it('over the good corpus: the same text as a write of the access values alone, no line added; with a value, only the line differs', () => {
    const files = goodFiles();
    expect(files.length).toBeGreaterThanOrEqual(25);
    for (const f of files) {
      const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(readGood(f));
      const plain = upsertAccessInfo(text, DEFAULT_TAGS, TYPICAL);
      expect(upsertAccessInfo(text, DEFAULT_TAGS, { ...TYPICAL, replicas: undefined })).toBe(plain);
      expect(readAccessInfo(docOf(plain)).replicas).toBeUndefined();
      const withLine = upsertAccessInfo(plain, DEFAULT_TAGS, { ...TYPICAL, replicas: LINE });
      expect(readAccessInfo(docOf(withLine))).toEqual({ ...TYPICAL, replicas: LINE });
      expect(withoutSection(docOf(withLine))).toEqual(withoutSection(docOf(plain)));
      // The write-back afterwards leaves the line where it is.
      expect(upsertAccessInfo(withLine, DEFAULT_TAGS, TYPICAL)).toBe(withLine);
    }
  });
});

describe('the proof covers the line', () => {
  it('refuses a line value it could not write safely', () => {
    expect(() => upsert('A: 1\n', { ...V, replicas: 'a\nb' })).toThrow(MetadataWriteError);
  });
});

describe('the line is ours', () => {
  it('is not published: withoutSection drops the whole section', () => {
    const doc = docOf(lines('A: 1', ...OURS, `  Replicas: ${Q}`, '  Notes: n'));
    expect(withoutSection(doc)).toEqual({ A: 1 });
  });

  it('is not counted in the work bounds', () => {
    const bounds = { maxNodes: 3, maxTotalScalarLength: 2 };
    const text = lines('A: 1', ...OURS, `  Replicas: ${Q}`);
    // Only the root mapping and `A: 1` count: 3 nodes, 2 characters.
    expect(exceedsWork(text, parseEvents(text, {}), DEFAULT_TAGS, bounds)).toBeUndefined();
    const other = text.replace('Replicas', 'Other');
    expect(exceedsWork(other, parseEvents(other, {}), DEFAULT_TAGS, bounds)).toBeDefined();
  });

  it('has a configurable tag that must differ from the other keys', () => {
    expect(() => validateTags({ ...DEFAULT_TAGS, replicas: 'Space' })).toThrow(/distinct/);
    const tags = { ...DEFAULT_TAGS, replicas: 'Copies' };
    const out = upsertAccessInfo('A: 1\n', tags, VR);
    expect(out).toContain(`  Copies: ${Q}\n`);
    expect(readAccessInfo(docOf(out), tags).replicas).toBe(LINE);
  });
});
