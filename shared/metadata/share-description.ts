/**
 * The Markdown description of a dataset's public share (fs2od's `share_description_base.md`).
 *
 * Everything an operator wrote is escaped for Markdown (inline text, table cells, fenced blocks), so
 * a value containing `|`, a backtick fence or HTML cannot break the layout. The invite token never
 * appears: our section is removed, and its token (plus any `secrets` given) is scrubbed from every
 * input and checked for in the output.
 */
import { DUMP_SCHEMA, dump } from 'js-yaml';
import { DEFAULT_TAGS, type MetadataTags, MIN_REDACTED_LENGTH, readAccessInfo, scrub, withoutSection } from './section.ts';
import { type MetadataDocument, isScalar } from './types.ts';

export interface ShareDescriptionInput {
  datasetName: string;
  institutionName: string;
  /** The share's root file id (for the command-line download instructions). */
  rootFileId?: string;
  /** The Onezone URL, passed to the download script when given. */
  onezone?: string;
  /** The metadata document; pass `withoutSection(doc)`. A section still present is removed anyway. */
  metadata?: MetadataDocument;
  /** Include the whole metadata as a fenced YAML block (fs2od's `parseMetadataToShare`). */
  includeMetadata: boolean;
  /** A Markdown template with `${placeholder}`s; default {@link DEFAULT_SHARE_TEMPLATE}. */
  template?: string;
  /** Section names, to find and drop our section. Default {@link DEFAULT_TAGS}. */
  tags?: MetadataTags;
  /** Values that must never appear (the invite token, if the caller has it). */
  secrets?: readonly string[];
}

/**
 * Placeholders: `${datasetName}`, `${institutionName}`, `${rootFileId}`, `${downloadInstructions}`,
 * `${metadataSummary}`, `${metadataSection}` (fs2od's `${dataset_name}`, `${institution_name}`,
 * `${share_file_id}` and `${metadata_section}` work too). Unknown placeholders are left as written.
 * Substituted values are already Markdown-escaped; put them in running text or table cells, not
 * inside code spans or fences.
 */
export const DEFAULT_SHARE_TEMPLATE = `# \${datasetName}

| Attribute | Value |
| --- | --- |
| Dataset | \${datasetName} |
| Institution | \${institutionName} |

## How to access the data

Browse the dataset in the **Files** tab of this share: open folders, preview files and download
single files or folders from there.

\${downloadInstructions}

## Metadata summary

\${metadataSummary}

\${metadataSection}
---

*This share was created automatically by s3od from the dataset's metadata file.*
`;

const MAX_SUMMARY_ROWS = 50;
const MAX_CELL_LENGTH = 200;
const FILE_ID = /^[A-Za-z0-9+/=_-]{1,4096}$/;
const URL_SAFE = /^https?:\/\/[A-Za-z0-9.-]+(?::[0-9]+)?(?:\/[A-Za-z0-9._~/-]*)?$/;

export function renderShareDescription(input: ShareDescriptionInput): string {
  const tags = input.tags ?? DEFAULT_TAGS;
  const fromSection = input.metadata ? readAccessInfo(input.metadata, tags).inviteToken : undefined;
  const secrets = [...(input.secrets ?? []), ...(fromSection ? [fromSection] : [])].filter((s) => s.length >= MIN_REDACTED_LENGTH);
  const clean = (s: string) => scrub(s, secrets);
  const metadata = input.metadata ? withoutSection(input.metadata, tags, { redact: secrets }) : undefined;

  const rootFileId = input.rootFileId && FILE_ID.test(input.rootFileId) ? clean(input.rootFileId) : undefined;
  const onezone = input.onezone && URL_SAFE.test(input.onezone) ? input.onezone : undefined;
  const values: Record<string, string> = {
    datasetName: escapeInline(clean(input.datasetName)),
    institutionName: escapeInline(clean(input.institutionName)),
    rootFileId: rootFileId ?? '',
    downloadInstructions: rootFileId ? downloadInstructions(rootFileId, onezone) : '',
    metadataSummary: summaryTable(metadata ?? {}),
    metadataSection: input.includeMetadata && metadata ? metadataBlock(metadata) : '',
  };
  const aliases: Record<string, string> = {
    dataset_name: 'datasetName',
    institution_name: 'institutionName',
    share_file_id: 'rootFileId',
    metadata_section: 'metadataSection',
  };

  const template = clean(input.template ?? DEFAULT_SHARE_TEMPLATE);
  let out = template.replace(/\$\{([A-Za-z_]+)\}/g, (whole, name: string) => values[aliases[name] ?? name] ?? whole);
  // Belt and braces: nothing above should let a secret through, but never publish one.
  out = scrub(out, secrets);
  for (const s of secrets) if (out.includes(s)) throw new Error('share description would contain a secret');
  return out;
}

/** Escape text for Markdown running text and table cells; one line. */
export function escapeInline(text: string): string {
  const oneLine = text.replace(/\s*[\r\n]+\s*/g, ' ').replace(/\t/g, ' ');
  const escaped = oneLine.replace(/[\\`*_[\]<>|~#&]/g, (c) => `\\${c}`);
  // Characters that only matter at the start of a line (lists, quotes, headings, setext underlines).
  return escaped.replace(/^([-+=>])/, '\\$1').replace(/^(\d+)([.)])/, '$1\\$2');
}

function truncate(text: string): string {
  const chars = Array.from(text);
  return chars.length > MAX_CELL_LENGTH ? `${chars.slice(0, MAX_CELL_LENGTH - 1).join('')}…` : text;
}

function summaryTable(metadata: MetadataDocument): string {
  const rows: string[] = [];
  for (const key of Object.keys(metadata)) {
    const value = metadata[key];
    if (!isScalar(value) || value === null || value === '') continue;
    if (rows.length === MAX_SUMMARY_ROWS) {
      rows.push('| … | (more in the metadata) |');
      break;
    }
    rows.push(`| ${escapeInline(truncate(key))} | ${escapeInline(truncate(String(value)))} |`);
  }
  if (rows.length === 0) return '*No single-value entries.*';
  return ['| Key | Value |', '| --- | --- |', ...rows].join('\n');
}

function metadataBlock(metadata: MetadataDocument): string {
  const yaml = dump(metadata, { schema: DUMP_SCHEMA, lineWidth: -1, noRefs: true });
  const longestRun = Math.max(0, ...Array.from(yaml.matchAll(/`+/g), (m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  return `## Metadata file\n\n${fence}yaml\n${yaml.endsWith('\n') ? yaml : `${yaml}\n`}${fence}\n`;
}

function downloadInstructions(rootFileId: string, onezone: string | undefined): string {
  const zone = onezone ? `--onezone ${onezone} ` : '';
  return [
    'To download the whole dataset from the command line, use the',
    "[onedata-downloader](https://github.com/CERIT-SC/onedata-downloader) script with this share's file id:",
    '',
    '```sh',
    'curl -s -o download.py https://raw.githubusercontent.com/CERIT-SC/onedata-downloader/master/download.py',
    `python3 download.py ${zone}${rootFileId}`,
    '```',
  ].join('\n');
}
