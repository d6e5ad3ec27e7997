/**
 * `s3od backfill` and the records it finds (docs/cli.md, `s3od backfill`): folders s3od already has
 * a record of are left alone and counted by status, against an in-memory bucket (dry run: nothing
 * is sent, so no queue is needed).
 */
import { describe, expect, it } from 'vitest';
import { backfill } from '../../../infra/cli/lib/backfill.ts';
import type { CliContext } from '../../../infra/cli/lib/context.ts';
import { datasetRef } from '../../../shared/dataset/ref.ts';
import { KeyClassifier } from '../../../shared/events/classify.ts';
import type { DatasetStatus } from '../../../shared/state/dataset-state.ts';
import { StateStore } from '../../../shared/state/state-store.ts';
import { MemoryObjects } from '../../helpers/memory-objects.ts';
import { testConfig } from '../../helpers/test-config.ts';

/** Just what backfill uses of the CLI's context. */
function context(objects: MemoryObjects): CliContext {
  const config = testConfig();
  const states = new StateStore(objects);
  return { config, classifier: new KeyClassifier(config), objects: () => objects, states: () => states } as unknown as CliContext;
}

describe('backfill of folders s3od has a record of', () => {
  // Guards knownKind in infra/cli/lib/backfill.ts: a dataset deleted with `s3od delete` was
  // reported "in progress" (every status but provisioned and failed was).
  it('reports a deleted dataset as deleted, not in progress, and does not enqueue it', async () => {
    const objects = new MemoryObjects('facility');
    const ctx = context(objects);
    const statuses: Record<string, DatasetStatus> = { Gone: 'deleted', Busy: 'provisioning', Waiting: 'pending', Done: 'provisioned', Bad: 'failed' };
    for (const [name, status] of Object.entries(statuses)) {
      objects.seed(`datasets/${name}/SPA.yml`, 'Title: x\n');
      await ctx.states().update(datasetRef('facility', 'datasets', name), (s) => {
        s.status = status;
      });
    }
    objects.seed('datasets/New/SPA.yml', 'Title: new\n');

    const report = await backfill(ctx, { dryRun: true });

    expect(report.skipped.deleted).toEqual(['datasets/Gone']);
    expect([...report.skipped['in-progress']].sort()).toEqual(['datasets/Busy', 'datasets/Waiting']);
    expect(report.skipped.provisioned).toEqual(['datasets/Done']);
    expect(report.skipped.failed).toEqual(['datasets/Bad']);
    expect(report.enqueued.map((e) => e.folder)).toEqual(['datasets/New']);
    expect(report.folders).toBe(6);
  });
});
