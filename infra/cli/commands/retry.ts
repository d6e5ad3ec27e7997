import type { DatasetRef } from '../../../shared/dataset/ref.ts';
import type { ProvisionJob } from '../../../shared/queue/jobs.ts';
import { sendJobs } from '../../../shared/queue/sqs-sender.ts';
import { addHistory, type DatasetState } from '../../../shared/state/dataset-state.ts';
import { resetDaregFailures } from '../../../shared/dareg/ledger.ts';
import { parseCommandArgs } from '../lib/args.ts';
import { CONFIG_HELP, withContext, type Command } from '../lib/command.ts';
import type { CliContext } from '../lib/context.ts';
import { EXIT, UsageError } from '../lib/io.ts';
import { findMetadataFile, provisionJob } from '../lib/jobs.ts';
import { readAllRecords, resolveDataset } from '../lib/records.ts';
import { safeText } from '../lib/safe-text.ts';

const OPTIONS = {
  failed: { type: 'boolean' },
  prefix: { type: 'string' },
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

interface Target {
  dataset: DatasetRef;
  state?: DatasetState;
}

interface Enqueued {
  folder: string;
  id: string;
  status: string;
  attempts: number;
  metadataFile: string;
  etag: string;
  note?: string;
}

export const retryCommand: Command = {
  words: ['retry'],
  summary: 're-enqueue provisioning of a dataset, or of every failed dataset',
  help: `Usage: s3od retry DATASET... [--dry-run] [--json]
       s3od retry --failed [--prefix P] [--dry-run] [--json]

Puts a provision job (reason "retry") on the provision queue for each dataset. Nothing is
deleted or reset in Onedata: the saga resumes from the dataset's record (completed steps are
not repeated) and the record counts one more attempt. The count of reconcile's automatic
re-queues is reset, so a dataset reconcile had stopped re-queuing is retried by it again; so is
the count of failed DAREG runs (docs/dareg.md). Use it after fixing what made a dataset
fail (Onedata down, a permission, a name), or when a job was lost.

  DATASET      dataset folder(s), e.g. datasets/Run1
  --failed     every dataset whose status is "failed"
  --prefix P   with --failed: only folders starting with P
  --dry-run    show what would be enqueued, send nothing
  --json       machine-readable output

A dataset whose metadata file is gone cannot be retried (upload it again instead).
Exit codes: 0 all enqueued (or nothing failed), 1 a dataset could not be enqueued, 2 usage error.

${CONFIG_HELP}`,
  async run(argv, env) {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS, { min: 0, max: Infinity, names: 'DATASET' });
    if (values.failed && positionals.length) throw new UsageError('give either DATASET... or --failed, not both');
    if (!values.failed && positionals.length === 0) throw new UsageError('missing DATASET (or --failed)');
    if (values.prefix && !values.failed) throw new UsageError('--prefix goes with --failed');
    return withContext(values, env, async (ctx) => {
      const { output } = env;
      const targets: Target[] = values.failed
        ? (await readAllRecords(ctx.objects(), { prefix: values.prefix })).filter((s) => s.status === 'failed').map((s) => ({ dataset: s.dataset, state: s }))
        : await Promise.all(positionals.map((f) => namedTarget(ctx, f)));
      const jobs: ProvisionJob[] = [];
      const enqueued: Enqueued[] = [];
      const skipped: { folder: string; reason: string }[] = [];
      for (const t of targets) {
        const found = await findMetadataFile(ctx.objects(), t.dataset, ctx.config.metadataFiles);
        if (!found) {
          skipped.push({
            folder: t.dataset.prefix,
            reason: `no metadata file (${ctx.config.metadataFiles.join(', ')}) in the folder; upload it again instead`,
          });
          continue;
        }
        const leaseHeld = t.state?.lease && Date.parse(t.state.lease.expiresAt) > Date.now();
        jobs.push(provisionJob(t.dataset, found.fileName, found.etag, 'retry'));
        enqueued.push({
          folder: t.dataset.prefix,
          id: t.dataset.id,
          status: t.state?.status ?? 'no record',
          attempts: t.state?.attempts ?? 0,
          metadataFile: found.fileName,
          etag: found.etag,
          ...(leaseHeld
            ? { note: 'a worker holds its lease now; the job waits for it' }
            : t.state?.status === 'provisioned'
              ? { note: 'already provisioned: the job re-checks the section and the published metadata' }
              : {}),
        });
      }
      if (!values['dry-run'] && jobs.length) {
        // Recorded first, so the record says why its next attempt ran; a record whose lease is
        // held is left alone (its worker owns the writes).
        await Promise.all(
          targets
            .filter((t) => t.state && !(t.state.lease && Date.parse(t.state.lease.expiresAt) > Date.now()) && enqueued.some((e) => e.id === t.dataset.id))
            .map((t) => ctx.states().update(t.dataset, recordRetryRequest)),
        );
        await sendJobs(ctx.sqs(), ctx.queueUrl('provision'), jobs);
      }
      if (values.json) output.json({ dryRun: Boolean(values['dry-run']), enqueued, skipped });
      else {
        const verb = values['dry-run'] ? 'would enqueue' : 'enqueued';
        if (targets.length === 0) output.out(values.failed ? 'no failed datasets' : 'nothing to retry');
        for (const e of enqueued)
          output.out(
            `${verb} ${safeText(e.folder)}  (${safeText(e.status)}, ${safeText(e.attempts)} attempts so far; ${safeText(e.metadataFile)} etag ${safeText(e.etag)})${e.note ? `  — ${e.note}` : ''}`,
          );
        for (const s of skipped) output.err(`not enqueued: ${safeText(s.folder)}: ${s.reason}`);
        if (enqueued.length)
          output.out(
            `${enqueued.length} provision job${enqueued.length === 1 ? '' : 's'} ${values['dry-run'] ? 'would be enqueued' : 'enqueued'} (reason: retry)`,
          );
      }
      return skipped.length ? EXIT.failure : EXIT.ok;
    });
  },
};

/** What `s3od retry` writes into a dataset's record before sending its job. */
export function recordRetryRequest(s: DatasetState): void {
  addHistory(s, 'retry requested', 's3od retry');
  // Reconcile's automatic re-queues start again from the first (short) wait.
  delete s.requeues;
  // DAREG calls given up on are tried again by the job's run.
  resetDaregFailures(s);
}

async function namedTarget(ctx: CliContext, folder: string): Promise<Target> {
  const ref = resolveDataset(ctx.config.bucket, folder, ctx.classifier);
  const rec = await ctx.states().read(ref.id);
  // The record's own reference wins: it holds the base the dataset was provisioned under.
  return rec ? { dataset: rec.state.dataset, state: rec.state } : { dataset: ref };
}
