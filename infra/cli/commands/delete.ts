import { deleteDataset } from '../../../shared/lifecycle/delete-dataset.ts';
import { deletionPlan } from '../../../shared/lifecycle/deletion-steps.ts';
import { parseCommandArgs } from '../lib/args.ts';
import { CONFIG_HELP, withContext, type Command } from '../lib/command.ts';
import { cliLogger } from '../lib/context.ts';
import { CommandFailed, EXIT, UsageError } from '../lib/io.ts';
import { safeText } from '../lib/safe-text.ts';

const OPTIONS = {
  yes: { type: 'boolean', short: 'y' },
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

export const deleteCommand: Command = {
  words: ['delete'],
  summary: "delete a dataset's Onedata objects (share, token, group, supports, space, storage)",
  help: `Usage: s3od delete DATASET [--yes] [--dry-run] [--json]

Deletes the Onedata objects recorded for the dataset — its share, invite token, group, the support
of every provider, its space and its own storage — in an order Onedata accepts, and nothing that
is not recorded for it (the storages for replicas on the secondaries stay: they are shared). The
record ends "deleted"; the data in the bucket and the metadata file are not touched. A new upload
of the metadata file provisions the dataset afresh (a new space). Interrupted, it resumes from
the record when run again.

  DATASET     the dataset folder, e.g. datasets/Run1
  --yes, -y   do not ask for confirmation (scripts)
  --dry-run   list what would be deleted, delete nothing
  --json      machine-readable output

Exit codes: 0 deleted (or nothing to delete), 1 failure or another worker holds the dataset, 2 usage error.

${CONFIG_HELP}`,
  async run(argv, env) {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS, { min: 1, max: 1, names: 'DATASET' });
    return withContext(values, env, async (ctx) => {
      const { output } = env;
      const dataset = ctx.classifier.datasetOf(ctx.config.bucket, positionals[0]!.replace(/^\/+|\/+$/g, ''));
      if (!dataset) throw new UsageError(`${positionals[0]} is not a dataset folder under the watched directories`);
      const rec = await ctx.states().read(dataset.id);
      if (!rec) throw new CommandFailed(`${dataset.prefix} has no record: s3od never provisioned it, so there is nothing of it in Onedata`);
      if (rec.state.status === 'deleted') {
        if (values.json) output.json({ dataset: dataset.prefix, outcome: 'already-deleted' });
        else output.out(`${safeText(dataset.prefix)} is already deleted`);
        return EXIT.ok;
      }
      const plan = deletionPlan(rec.state.outputs, rec.state.lifecycle?.expiry?.primaryRevokedAt !== undefined);
      if (values['dry-run']) {
        if (values.json) output.json({ dataset: dataset.prefix, dryRun: true, wouldDelete: plan });
        else {
          output.out(`would delete from Onedata for ${safeText(dataset.prefix)}:`);
          for (const p of plan) output.out(`  ${p.what.padEnd(34)} ${safeText(p.id)}`);
        }
        return EXIT.ok;
      }
      if (!values.yes) {
        const answer = await env.io.ask?.(
          `Delete ${plan.length} Onedata objects of ${dataset.prefix} (space ${rec.state.outputs.spaceId ?? '-'})? Type the folder name to confirm: `,
        );
        if (answer === undefined) throw new CommandFailed('not confirmed: run it at a terminal, or pass --yes');
        if (answer.trim() !== dataset.prefix && answer.trim() !== dataset.name) {
          output.err('not confirmed; nothing deleted');
          return EXIT.failure;
        }
      }
      const result = await deleteDataset(
        {
          config: ctx.config,
          secrets: ctx.secrets(),
          onedata: ctx.onedata(),
          providers: ctx.providers(),
          objects: ctx.objects(),
          states: ctx.states(),
          log: cliLogger(output, ctx.env.S3OD_LOG_LEVEL === 'debug' ? 'debug' : 'error'),
        },
        dataset,
        's3od delete',
      );
      if (values.json) output.json({ dataset: dataset.prefix, ...result });
      else if (result.outcome === 'deleted') {
        output.out(`deleted from Onedata for ${safeText(dataset.prefix)}:`);
        for (const p of result.deleted) output.out(`  ${p.what.padEnd(34)} ${safeText(p.id)}`);
      } else if (result.outcome === 'busy') output.err(`another worker holds ${dataset.prefix} until ${result.until}; try again then`);
      else output.out(`${safeText(dataset.prefix)}: ${result.outcome}`);
      return result.outcome === 'busy' ? EXIT.failure : EXIT.ok;
    });
  },
};
