import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, loadConfigFile, parseConfig, type S3odConfig } from '../../../shared/config/index.ts';
import { parseCommandArgs } from '../lib/args.ts';
import type { Command } from '../lib/command.ts';
import { storageModeFor } from '../../../shared/storage-modes/index.ts';
import { translateFs2odConfig } from '../lib/fs2od-config.ts';
import { EXIT, UsageError, type Output } from '../lib/io.ts';

/** Values in a config that are still placeholders from `import-fs2od`. */
function placeholdersIn(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => /CHANGE[- ]ME/i.test(l.replace(/#.*$/, '')))
    .map((l) => l.trim().replace(/:.*$/, '').replace(/^- /, ''));
}

function summary(c: S3odConfig): string[] {
  const primary = c.restAccess.oneproviders[0]!;
  return [
    `  bucket              ${c.bucket}`,
    `  watchedDirectories  ${c.watchedDirectories.map((d) => d || '(bucket root)').join(', ')}`,
    `  metadataFiles       ${c.metadataFiles.join(', ')} (section ${c.metadataFileTags.onedata}${c.fs2odMetadataFile.storeAccessInfo ? `, access info in ${c.fs2odMetadataFile.filename}` : ''})`,
    `  storageMode         ${c.storageMode} (${storageModeFor(c).describe(c)})`,
    `  Onezone             ${c.restAccess.onezone.host}`,
    `  Oneprovider         ${primary.host} (primary${c.restAccess.oneproviders.length > 1 ? `, +${c.restAccess.oneproviders.length - 1} more` : ''})`,
    `  groups              manager ${c.managerGroupId}, users ${c.userGroupId}; service user ${c.serviceUserId}`,
    `  space size          ${c.implicitSpaceSize} bytes${c.testMode ? `; test mode (prefix ${c.testModePrefix})` : ''}`,
  ];
}

export const configCheckCommand: Command = {
  words: ['config', 'check'],
  summary: 'validate an s3od config file',
  help: `Usage: s3od config check FILE

Validates the s3od YAML config FILE as the functions do at start: prints every problem as
"key: message", or "ok" and a short summary. Placeholders left by import-fs2od (CHANGE ME) are
listed as warnings. Secrets are never in the file (they are environment variables).

Exit codes: 0 valid, 1 invalid or unreadable, 2 usage error.`,
  async run(argv, env) {
    const { positionals } = parseCommandArgs(argv, {}, { min: 1, max: 1, names: 'FILE' });
    const path = resolve(env.io.cwd, positionals[0]!);
    let config: S3odConfig;
    try {
      config = loadConfigFile(path);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      env.output.out(`${path}: ${e.problems.length} problem${e.problems.length === 1 ? '' : 's'}`);
      for (const p of e.problems) env.output.out(`  ${p.key}: ${p.message}`);
      return EXIT.failure;
    }
    env.output.out(`${path}: ok`);
    for (const line of summary(config)) env.output.out(line);
    const left = placeholdersIn(readFileSync(path, 'utf8'));
    if (left.length) env.output.err(`warning: placeholders still to fill in: ${left.join(', ')}`);
    return EXIT.ok;
  },
};

const IMPORT_OPTIONS = {
  out: { type: 'string', short: 'o' },
  bucket: { type: 'string' },
  'storage-mode': { type: 'string' },
  'mount-root': { type: 'string' },
  's3-endpoint': { type: 'string' },
} as const;

export const configImportCommand: Command = {
  words: ['config', 'import-fs2od'],
  summary: "translate an fs2od config.yaml into s3od's YAML",
  help: `Usage: s3od config import-fs2od FILE [--out FILE] [--bucket NAME] [--storage-mode posix|s3]
                                 [--mount-root PATH] [--s3-endpoint URL]

Translates fs2od's config.yaml into an s3od config: keys with the same meaning are copied under
the same names (dataReplication.*, messaging.* and dareg.* included). Prints the result (or writes
it with --out) and reports on stderr:

  - every fs2od key with no s3od equivalent, and what s3od does instead (verboseLevel,
    sleepFactor, initialPOSIXlikePermissions, ...);
  - every secret found and where s3od takes it from instead — secrets are never copied into the
    output: restAccess.onezone.apiToken → S3OD_ONEZONE_TOKEN, the primary's apiToken →
    S3OD_ONEPROVIDER_TOKEN (which serves every Oneprovider: there is no per-provider token),
    messaging.credentials.email.password → S3OD_SMTP_PASSWORD, dareg.token → S3OD_DAREG_TOKEN;
  - s3od-only keys filled with placeholders marked "CHANGE ME" (bucket, storage settings), and
    values converted on the way (marked "CHECK"): fs2od's filesystem paths → key prefixes, and
    values fs2od ran with but s3od refuses (numberOfReplicas above the number of providers,
    unparseable durations fs2od read as never, the STRATTLS typo).

  --bucket NAME          the facility bucket (else a placeholder)
  --storage-mode MODE    posix (default: fs2od's way, the Oneprovider mounts the filesystem) or s3
  --mount-root PATH      where the bucket's keys start in the filesystem: /volume with fs2od's
                         /volume/datasets gives the key prefix "datasets" (and posixStorage.mountRoot)
  --s3-endpoint URL      s3 mode: the bucket's S3 URL as the Oneprovider reaches it
  -o, --out FILE         write the result there instead of stdout

The output always passes \`s3od config check\`. Exit codes: 0 translated, 1 the fs2od file cannot
be read or parsed, 2 usage error.`,
  async run(argv, env) {
    const { values, positionals } = parseCommandArgs(argv, IMPORT_OPTIONS, { min: 1, max: 1, names: 'FILE (the fs2od config.yaml)' });
    const mode = values['storage-mode'];
    if (mode !== undefined && mode !== 'posix' && mode !== 's3') throw new UsageError('--storage-mode must be posix or s3');
    const path = resolve(env.io.cwd, positionals[0]!);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      env.output.err(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      return EXIT.failure;
    }
    let t;
    try {
      t = translateFs2odConfig(text, { bucket: values.bucket, storageMode: mode, mountRoot: values['mount-root'], s3Endpoint: values['s3-endpoint'] });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      for (const p of e.problems) env.output.err(`${path}: ${p.key}: ${p.message}`);
      return EXIT.failure;
    }
    for (const s of t.secretValues) env.output.addSecret(s);
    if (values.out) {
      const outPath = resolve(env.io.cwd, values.out);
      writeFileSync(outPath, t.yaml, { mode: 0o644 });
      env.output.err(`wrote ${outPath}`);
    } else env.output.out(t.yaml.trimEnd());
    report(env.output, t);
    // The translation must be a valid s3od config; if an fs2od value has a type s3od rejects, say so.
    try {
      parseConfig(t.yaml, 'translated configuration');
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      env.output.err('the translated configuration has problems to fix by hand:');
      for (const p of e.problems) env.output.err(`  ${p.key}: ${p.message}`);
      return EXIT.failure;
    }
    return EXIT.ok;
  },
};

function report(output: Output, t: ReturnType<typeof translateFs2odConfig>): void {
  if (t.unmapped.length) {
    output.err('fs2od keys without an s3od equivalent (not copied):');
    for (const u of t.unmapped) output.err(`  ${u.key}: ${u.instead}`);
  }
  if (t.secrets.length) {
    output.err('secrets found (NOT copied; keep them out of config files):');
    for (const s of t.secrets) output.err(`  ${s.key}: ${s.instead}`);
  }
  if (t.notes.length) {
    output.err('converted values to check (marked CHECK):');
    for (const n of t.notes) output.err(`  ${n.key}: ${n.note}`);
  }
  if (t.placeholders.length) {
    output.err('placeholders to fill in (marked CHANGE ME):');
    for (const p of t.placeholders) output.err(`  ${p.key}: ${p.note}`);
  }
}
