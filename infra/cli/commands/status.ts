import { mailSummary } from '../../../shared/notifications/ledger.ts';
import { daregSummary } from '../../../shared/dareg/ledger.ts';
import { parseCommandArgs } from '../lib/args.ts';
import { CONFIG_HELP, withContext, type Command } from '../lib/command.ts';
import { EXIT, UsageError } from '../lib/io.ts';
import { safeText } from '../lib/safe-text.ts';
import { publicRecord, readAllRecords, resolveDataset } from '../lib/records.ts';
import { renderDatasetStatus, renderStatusTable, totalsByStatus } from '../lib/status-render.ts';

const OPTIONS = {
  json: { type: 'boolean' },
  prefix: { type: 'string' },
} as const;

export const statusCommand: Command = {
  words: ['status'],
  summary: "show one dataset's record, or a table of all datasets",
  help: `Usage: s3od status [DATASET] [--json] [--prefix P]

Shows what s3od knows about datasets (their records in the bucket, .s3od/state/).

  DATASET       the dataset folder as a key prefix, e.g. datasets/Run1 (a trailing "/" is fine):
                status, Onedata ids, attempts, last error (with its Onedata error id), failure
                reason, import progress and timestamps. The invite token is shown as "set".
  (none)        a table of all datasets (folder, status, space, attempts, last error or
                reason), sorted by folder, with totals per status.
  --prefix P    only datasets whose folder starts with P (table only)
  --json        machine-readable output

Exit codes: 0 ok, 1 the dataset has no record (or the bucket cannot be read), 2 usage error.

${CONFIG_HELP}`,
  async run(argv, env) {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS, { min: 0, max: 1, names: 'DATASET' });
    if (positionals.length && values.prefix) throw new UsageError('--prefix selects datasets for the table; give it without DATASET');
    return withContext(values, env, async (ctx) => {
      const { output } = env;
      const folder = positionals[0];
      if (folder !== undefined) {
        const ref = resolveDataset(ctx.config.bucket, folder, ctx.classifier);
        const rec = await ctx.states().read(ref.id);
        if (!rec) {
          if (values.json) output.json({ dataset: ref.prefix, id: ref.id, record: null });
          output.err(
            `no record for ${safeText(ref.prefix)}: s3od has not seen this dataset. Is its metadata file (${ctx.config.metadataFiles.join(' or ')}) there? ` +
              `Try: s3od backfill --prefix ${safeText(ref.prefix)}/`,
          );
          return EXIT.failure;
        }
        output.addSecret(rec.state.outputs.inviteToken);
        if (values.json) output.json(publicRecord(rec.state));
        else for (const line of renderDatasetStatus(rec.state, new Date(), { bars: output.stdoutIsTTY })) output.out(line);
        return EXIT.ok;
      }
      const records = await readAllRecords(ctx.objects(), { prefix: values.prefix });
      for (const r of records) output.addSecret(r.outputs.inviteToken);
      if (values.json) {
        output.json({
          bucket: ctx.config.bucket,
          totals: { all: records.length, ...totalsByStatus(records) },
          datasets: records.map((r) => ({
            folder: r.dataset.prefix,
            id: r.dataset.id,
            status: r.status,
            spaceId: r.outputs.spaceId ?? null,
            attempts: r.attempts,
            lastError: r.lastError ?? null,
            failureReason: r.failureReason ?? null,
            mail: r.mail ? mailSummary(r) : null,
            dareg: r.dareg ? { ...daregSummary(r.dareg), lastError: r.dareg.lastError ?? null } : null,
            updatedAt: r.updatedAt,
          })),
        });
      } else for (const line of renderStatusTable(records)) output.out(line);
      return EXIT.ok;
    });
  },
};
