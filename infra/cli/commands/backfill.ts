import { parseCommandArgs } from '../lib/args.ts';
import { backfill, type BackfillReport } from '../lib/backfill.ts';
import { CONFIG_HELP, withContext, type Command } from '../lib/command.ts';
import { EXIT } from '../lib/io.ts';
import { Progress } from '../lib/progress.ts';
import { safeText } from '../lib/safe-text.ts';

const OPTIONS = {
  prefix: { type: 'string' },
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

function progressText(r: BackfillReport, dryRun: boolean): string {
  const s = r.skipped;
  return (
    `${r.folders} folders · ${r.enqueued.length} ${dryRun ? 'to enqueue' : 'enqueued'} · ${r.adopted.length} ${dryRun ? 'to adopt' : 'adopted'} · ` +
    `${s.provisioned.length} provisioned · ${s['in-progress'].length} in progress · ${s.failed.length} failed · ${s['no-metadata'].length} without metadata` +
    (s.deleted.length ? ` · ${s.deleted.length} deleted` : '') +
    (r.errors.length ? ` · ${r.errors.length} errors` : '')
  );
}

/** Whether a key prefix can meet a watched directory (compared up to the first glob character). */
function underWatched(prefix: string, watched: string[]): boolean {
  return watched.some((d) => {
    const literal = d.split(/[*?[]/)[0]!;
    return prefix.startsWith(literal) || literal.startsWith(prefix);
  });
}

export const backfillCommand: Command = {
  words: ['backfill'],
  summary: 'enqueue datasets already in the bucket; adopt those fs2od provisioned',
  help: `Usage: s3od backfill [--prefix P] [--dry-run] [--json]

Walks the bucket under the watched directories (listing with delimiter "/", so only folder
names are read, not the objects inside datasets) and finds dataset folders with a metadata file
that s3od has no record of — datasets that were there before s3od was set up, or whose event
was lost. For each of them:

  - fs2od already provisioned it (its metadata file has a non-empty Space in the configured
    section, or .fs2od has it with fs2odMetadataFile.storeAccessInfo): it is ADOPTED, not
    recreated. s3od writes a "provisioned" record with the space id, invite token and public URL
    from the file (and, when Onedata answers, the space name, storage and share), and leaves
    the file and what fs2od published untouched.
  - otherwise a provision job (reason "backfill") is ENQUEUED and a "pending" record written.

Datasets that already have a record are left alone: provisioned, in progress, failed (use
s3od retry --failed for those), or deleted with s3od delete (a new upload of the metadata file
provisions such a dataset afresh). Running backfill again enqueues nothing new.

  --prefix P   only folders under key prefix P (e.g. datasets/2024 or datasets/Run1/)
  --dry-run    show what would be done; write and send nothing
  --json       machine-readable report on stdout

Progress goes to stderr (updated in place on a terminal).
Exit codes: 0 done, 1 some folders could not be examined, 2 usage error.

${CONFIG_HELP}`,
  async run(argv, env) {
    const { values } = parseCommandArgs(argv, OPTIONS, { min: 0, max: 0, names: '' });
    const dryRun = Boolean(values['dry-run']);
    return withContext(values, env, async (ctx) => {
      const { output } = env;
      const progress = new Progress(output);
      const where = values.prefix ? `under ${values.prefix}` : `under ${ctx.config.watchedDirectories.map((d) => d || '(bucket root)').join(', ')}`;
      output.err(`backfill of bucket ${ctx.config.bucket} ${where}${dryRun ? ' (dry run)' : ''}`);
      const report = await backfill(ctx, {
        prefix: values.prefix,
        dryRun,
        onProgress: (r) => progress.update(r.folders, progressText(r, dryRun)),
        onNote: (text) => output.err(text),
      });
      progress.done(progressText(report, dryRun));
      if (report.folders === 0 && values.prefix && !underWatched(values.prefix, ctx.config.watchedDirectories)) {
        output.err(`note: ${values.prefix} is not under the watched directories (${ctx.config.watchedDirectories.join(', ')}); backfill only looks there`);
      }
      if (values.json) {
        output.json({ bucket: ctx.config.bucket, dryRun, ...report });
      } else {
        for (const e of report.enqueued) output.out(`${dryRun ? 'would enqueue' : 'enqueued'} ${safeText(e.folder)}  (${safeText(e.metadataFile)})`);
        for (const a of report.adopted)
          output.out(
            `${dryRun ? 'would adopt' : 'adopted'}  ${safeText(a.folder)}  space ${safeText(a.spaceId)} (fs2od, from ${safeText(a.source)})${a.notes.length ? `  — ${safeText(a.notes.join('; '))}` : ''}`,
          );
        for (const f of report.skipped.raced) output.out(`skipped  ${safeText(f)}: s3od started on it meanwhile`);
        for (const e of report.errors) output.err(`error    ${safeText(e.folder)}: ${safeText(e.message)}`);
        output.out('');
        output.out(`${report.folders} dataset folders examined`);
        output.out(`  ${report.enqueued.length} ${dryRun ? 'to enqueue' : 'enqueued'} (reason: backfill)`);
        output.out(`  ${report.adopted.length} ${dryRun ? 'to adopt' : 'adopted'} from fs2od (provisioned, not recreated)`);
        output.out(
          `  ${report.skipped.provisioned.length} already provisioned, ${report.skipped['in-progress'].length} in progress, ${report.skipped['no-metadata'].length} without a metadata file`,
        );
        if (report.skipped.failed.length)
          output.out(`  ${report.skipped.failed.length} failed earlier — not enqueued; see s3od status, then s3od retry --failed`);
        if (report.skipped.deleted.length)
          output.out(`  ${report.skipped.deleted.length} deleted with s3od delete — not enqueued; a new upload of the metadata file provisions it afresh`);
        if (report.errors.length) output.out(`  ${report.errors.length} folders could not be examined (see above)`);
      }
      return report.errors.length ? EXIT.failure : EXIT.ok;
    });
  },
};
