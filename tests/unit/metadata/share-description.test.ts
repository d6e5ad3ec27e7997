import { describe, expect, it } from 'vitest';
import { load } from 'js-yaml';
import {
  DEFAULT_SHARE_TEMPLATE,
  type MetadataDocument,
  escapeInline,
  parseMetadata,
  parseMetadataText,
  renderShareDescription,
  withoutSection,
} from '../../../shared/metadata/index.ts';
import { readGood } from './helpers.ts';

const TOKEN = 'MDAxY2xvY2F0aW9uIGRhdGFodWIuZWdpLmV1CjAwNmJpZGVudGlmaWVy_x-y';
const FILE_ID = '00000000007E6C76736861726547756964233039383266613462303663623832';

function doc(text: string): MetadataDocument {
  const r = parseMetadataText(text);
  if (!r.ok) throw new Error(r.error.message);
  return r.doc;
}

const seed = (() => {
  const r = parseMetadata(readGood('seed-after-fs2od.yml'));
  if (!r.ok) throw new Error('seed fixture');
  return r.doc;
})();

/** The content of the first fenced block opened by a backtick fence followed by `yaml`. */
function fencedYaml(markdown: string): string | undefined {
  const m = /^(`{3,})yaml\n([\s\S]*?)^\1$/m.exec(markdown);
  return m?.[2];
}

/** Table rows: count the unescaped `|` separators. */
function cellSeparators(row: string): number {
  return (row.match(/(?<!\\)\|/g) ?? []).length;
}

describe('renderShareDescription: default template', () => {
  const md = renderShareDescription({
    datasetName: '20211227125_Demo',
    institutionName: 'CEITEC MU',
    rootFileId: FILE_ID,
    onezone: 'https://datahub.egi.eu',
    metadata: withoutSection(seed),
    includeMetadata: false,
  });

  it('names the dataset and the institution', () => {
    expect(md.startsWith('# 20211227125\\_Demo\n')).toBe(true);
    expect(md).toContain('| Institution | CEITEC MU |');
  });

  it('explains how to browse and download, with the share file id', () => {
    expect(md).toContain('**Files** tab');
    expect(md).toContain(`python3 download.py --onezone https://datahub.egi.eu ${FILE_ID}`);
  });

  it('summarises top-level single values only', () => {
    expect(md).toContain('| Instrument | TitanKrios |');
    expect(md).toContain('| NotifyCompletion | true |');
    expect(md).not.toContain('| Sample |');
    expect(md).not.toContain('Metadata file');
  });

  it('includes the full metadata as a YAML block on request, which reads back as the metadata', () => {
    const full = renderShareDescription({ datasetName: 'd', institutionName: 'i', metadata: withoutSection(seed), includeMetadata: true });
    const yaml = fencedYaml(full);
    expect(yaml).toBeDefined();
    expect(load(yaml!)).toEqual(withoutSection(seed));
  });

  it('keeps values that look like other types as text in the YAML block', () => {
    const r = parseMetadata(readGood('typed-scalars.yml'));
    if (!r.ok) throw new Error('fixture');
    const full = renderShareDescription({ datasetName: 'd', institutionName: 'i', metadata: r.doc, includeMetadata: true });
    expect(load(fencedYaml(full)!)).toEqual(r.doc);
  });

  it('leaves out download instructions without a valid file id', () => {
    for (const rootFileId of [undefined, 'bad id; rm -rf /', '`x`']) {
      const out = renderShareDescription({ datasetName: 'd', institutionName: 'i', rootFileId, includeMetadata: false });
      expect(out).not.toContain('download.py');
      expect(out).not.toContain('rm -rf');
    }
  });
});

describe('renderShareDescription: never contains the invite token', () => {
  const text = [
    'Autoname: demo',
    `Notes: copied ${TOKEN} here`,
    `List: [${TOKEN}, other]`,
    `${TOKEN}: used as a key`,
    'Onedata:',
    '  Space: s1',
    `  InviteToken: ${TOKEN}`,
    '  PublicURL: https://datahub.egi.eu/share/x',
    '',
  ].join('\n');
  const full = doc(text);

  it.each([true, false])('with the section still in the document (includeMetadata=%s)', (includeMetadata) => {
    const md = renderShareDescription({ datasetName: 'demo', institutionName: 'i', metadata: full, includeMetadata });
    expect(md).not.toContain(TOKEN);
    expect(md).not.toContain(TOKEN.replace(/_/g, '\\_'));
    expect(md).not.toContain('InviteToken');
  });

  it('when the caller passes the token, even where the document never held it', () => {
    const md = renderShareDescription({
      datasetName: `name ${TOKEN}`,
      institutionName: TOKEN,
      metadata: withoutSection(doc(`a: ${TOKEN}\n`)),
      includeMetadata: true,
      template: `\${datasetName} \${institutionName} ${TOKEN}\n\${metadataSection}`,
      secrets: [TOKEN],
    });
    expect(md).not.toContain(TOKEN);
    expect(md).not.toContain(TOKEN.replace(/_/g, '\\_'));
  });
});

describe('renderShareDescription: escaping', () => {
  const hostile: MetadataDocument = {
    Pipe: 'a | b | c',
    Fence: 'before\n```\nafter ```` four',
    Html: '<script>alert(1)</script>',
    Link: '[click](javascript:alert(1))',
    'Key|with|pipes': 'v',
    Multi: 'line one\nline two',
  };
  const md = renderShareDescription({ datasetName: '# not a heading | x', institutionName: '- not a list', metadata: hostile, includeMetadata: true });

  it('keeps every summary row at two cells', () => {
    const rows = md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| ---'));
    expect(rows.length).toBeGreaterThan(5);
    for (const row of rows) expect(cellSeparators(row)).toBe(3);
  });

  it('uses a fence longer than any backtick run in the metadata', () => {
    const yaml = fencedYaml(md);
    expect(yaml).toBeDefined();
    expect(load(yaml!)).toEqual(hostile);
  });

  it('neutralises HTML and links outside the code block', () => {
    const outside = md.replace(fencedYaml(md)!, '');
    expect(outside).not.toContain('<script>');
    expect(outside).toContain('\\<script\\>');
    expect(outside).not.toContain('[click](');
  });

  it('escapeInline keeps text on one line and escapes Markdown syntax', () => {
    expect(escapeInline('a|b\nc')).toBe('a\\|b c');
    expect(escapeInline('- item')).toBe('\\- item');
    expect(escapeInline('1. item')).toBe('1\\. item');
    expect(escapeInline('*bold* _it_ `code`')).toBe('\\*bold\\* \\_it\\_ \\`code\\`');
  });
});

describe('renderShareDescription: templates', () => {
  it('substitutes placeholders once, leaves unknown ones, and accepts fs2od names', () => {
    const md = renderShareDescription({
      datasetName: '${institutionName}',
      institutionName: 'Inst',
      includeMetadata: false,
      template: '${datasetName} / ${institution_name} / ${unknown}',
    });
    expect(md).toBe('${institutionName} / Inst / ${unknown}');
  });

  it('has a default template that uses every documented placeholder', () => {
    for (const p of ['datasetName', 'institutionName', 'downloadInstructions', 'metadataSummary', 'metadataSection']) {
      expect(DEFAULT_SHARE_TEMPLATE).toContain(`\${${p}}`);
    }
  });
});
