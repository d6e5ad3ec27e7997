/**
 * Replication and expiry on the real local stack (Ceph RGW, SQS, the function runner, the Onedata
 * simulator with a primary and two secondary providers): issue #14 §1, §2.
 */
import { DeleteObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { load } from 'js-yaml';
import { pollUntil } from '../../shared/retry/index.ts';
import type { DatasetState } from '../../shared/state/dataset-state.ts';
import { runCli, stackFileOf } from '../helpers/cli.ts';
import { dataObjectKeys, readState, SAMPLE_METADATA, uniqueName, uploadDataset, waitForStatus } from '../helpers/datasets.ts';
import { control, getText, listKeys, putObject, s3Client, simState, stackInfo, waitForQueuesIdle } from '../helpers/stack-client.ts';

const info = stackInfo();
const s3 = s3Client(info);
const stack = ['--stack', stackFileOf(info)];
// The simulator's providers (primary first) with their storages for replicas.
const simInfo = (await (await fetch(`${info.onedataUrl}/_sim/info`)).json()) as { providers: { id: string; replicaStorageId: string }[] };
const providers = simInfo.providers;
const primaryId = providers[0]!.id;

async function lifecycleRun(prefix: string, now?: Date): Promise<any> {
  const r = await runCli(['lifecycle', 'run', '--prefix', prefix, '--json', ...(now ? ['--now', now.toISOString()] : []), ...stack]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

/** Supports of the space by provider (Onezone's view: removed ones excluded). */
async function supportsOf(spaceId: string): Promise<any[]> {
  return (await simState()).supports.filter((s: any) => s.spaceId === spaceId && s.removedAtMs === undefined);
}

async function untilReplicated(prefix: string): Promise<DatasetState> {
  return pollUntil(
    async () => {
      await lifecycleRun(prefix);
      const s = (await readState(s3, prefix))!;
      return s.lifecycle?.replication?.qosStatus === 'fulfilled' ? s : undefined;
    },
    { deadlineMs: 20_000, description: 'lifecycle', initialDelayMs: 100, maxDelayMs: 500 },
  );
}

afterEach(async () => {
  await control('POST', '/sim', { transferDurationMs: 200 });
  await control('POST', '/config', { dataReplication: { removeFromFilesystem: false } });
});

describe('replication', () => {
  it('by default config: a second copy on a secondary, one QoS requirement, followed to fulfilment and shown by s3od status', async () => {
    const prefix = await uploadDataset(s3, uniqueName('Life_Default'), { files: 3 });
    const state = await waitForStatus(s3, prefix, ['provisioned', 'failed']);
    expect(state.failureReason).toBeUndefined();
    const spaceId = state.outputs.spaceId!;
    expect(state.outputs.replicasNum).toBe(2);
    expect(state.outputs.replicaSupports?.map((r) => r.providerId)).toEqual([providers[1]!.id]);
    const supports = await supportsOf(spaceId);
    expect(supports.map((s) => s.providerId).sort()).toEqual([primaryId, providers[1]!.id].sort());
    expect(supports.find((s) => s.providerId !== primaryId)?.storageId).toBe(providers[1]!.replicaStorageId);
    const qos = (await simState()).qosRequirements.filter((q: any) => q.spaceId === spaceId);
    expect(qos).toHaveLength(1);
    expect(qos[0]).toMatchObject({ expression: 'anyStorage', replicasNum: 2, id: state.outputs.qosRequirementId });

    await waitForQueuesIdle();
    const done = await untilReplicated(prefix);
    expect(done.lifecycle!.replication!.completeAt).toBeDefined();
    const second = done.lifecycle!.replication!.providers[0]!;
    expect(second).toMatchObject({ providerId: providers[1]!.id, transfersOngoing: 0 });
    expect(second.filesReplicated).toBe(second.filesToProcess);
    expect(second.bytesReplicated).toBeGreaterThanOrEqual(100 + 101 + 102);
    expect(done.history.map((h) => h.event)).toContain('replication complete');

    const status = await runCli(['status', prefix, ...stack]);
    expect(status.stdout).toMatch(/replication\s+2 replicas · QoS fulfilled/);
    expect(status.stdout).not.toMatch(/\[#+/); // no bar in a pipe
    const tty = await runCli(['status', prefix, ...stack], { tty: true });
    expect(tty.stdout).toMatch(/\[#{20}\] 100%/);
    const json = JSON.parse((await runCli(['status', prefix, '--json', ...stack])).stdout);
    expect(json.lifecycle.replication.providers[0].filesReplicated).toBe(second.filesReplicated);
    const statusObject = load(await getText(s3, `${prefix}/.s3od-status.yml`)) as any;
    expect(statusObject.replication).toMatchObject({ replicas: 2, qos: 'fulfilled' });
  });

  it('once every replica is complete, one line in our section of the metadata file (the rest byte-identical); a second pass writes nothing', async () => {
    // CRLF, a comment and an operator key inside our section: all of it must stay as it is.
    const metadata = `# written by the microscope\r\n${SAMPLE_METADATA.replace(/\r?\n/g, '\r\n')}Onedata:\r\n  Notes: the operator's # kept\r\n`;
    const prefix = await uploadDataset(s3, uniqueName('Life_Line'), { files: 2, metadata });
    const state = await waitForStatus(s3, prefix, ['provisioned', 'failed']);
    expect(state.failureReason).toBeUndefined();
    await waitForQueuesIdle();
    const key = `${prefix}/SPA.yml`;
    const before = await getText(s3, key);
    expect(before).toContain('PublicURL: ');
    expect(before).not.toContain('Replicas:');

    const done = await untilReplicated(prefix);
    const day = done.lifecycle!.replication!.completeAt!.slice(0, 10);
    expect(done.lifecycle!.replication!.notedInFileAt).toBeDefined();
    expect(done.history.map((h) => h.event)).toContain('replication line written');
    const after = await getText(s3, key);
    // Exactly one line added, after our last key, in the file's line endings; every other byte the same.
    const publicLine = /^ {2}PublicURL: [^\r\n]*\r\n/m.exec(before)!;
    const at = publicLine.index + publicLine[0].length;
    expect(after).toBe(`${before.slice(0, at)}  Replicas: "2 copies complete (${day})"\r\n${before.slice(at)}`);
    expect((load(after) as any).Onedata).toMatchObject({ Replicas: `2 copies complete (${day})`, Notes: "the operator's" });

    // Our own write's event, a second pass and a redelivered job: nothing is written again.
    await waitForQueuesIdle();
    const etag = (await s3.send(new HeadObjectCommand({ Bucket: info.bucket, Key: key }))).ETag;
    const again = await lifecycleRun(prefix);
    expect(again).toMatchObject({ replicationChecked: 1, replicationLines: 0, errors: 0 });
    await runCli(['retry', prefix, ...stack]);
    await waitForQueuesIdle();
    expect((await s3.send(new HeadObjectCommand({ Bucket: info.bucket, Key: key }))).ETag).toBe(etag);
    expect(await getText(s3, key)).toBe(after);
    // The line is ours: not in the published metadata.
    const json = (await simState()).jsonMetadata.find((m: any) => m.spaceId === state.outputs.spaceId);
    expect(json).toBeDefined();
    expect(JSON.stringify(json.metadata)).not.toContain('copies complete');

    // Once per completion: an operator who removes the line keeps it removed (neither the refresh of
    // their new version nor the next pass writes it again).
    const removed = after.replace(/^ {2}Replicas: [^\r\n]*\r\n/m, '');
    expect(removed).toBe(before);
    await putObject(s3, key, removed);
    await waitForQueuesIdle();
    expect(await lifecycleRun(prefix)).toMatchObject({ replicationChecked: 1, replicationLines: 0, errors: 0 });
    await waitForQueuesIdle();
    expect(await getText(s3, key)).toBe(removed);
  });

  it('the scheduled lifecycle function (as EventBridge or the queue worker invokes it) runs the same pass', async () => {
    const prefix = await uploadDataset(s3, uniqueName('Life_Fn'), { files: 1 });
    await waitForStatus(s3, prefix, ['provisioned']);
    await waitForQueuesIdle();
    const invoke = () =>
      fetch(`${info.functionsUrl}/2015-03-31/functions/lifecycle/invocations`, {
        method: 'POST',
        body: JSON.stringify({ prefix }),
        headers: { authorization: `Bearer ${info.jobsToken}`, 'content-type': 'application/json' },
      });
    const report = await pollUntil(
      async () => {
        const res = await invoke();
        expect(res.status).toBe(200);
        const r = (await res.json()) as any;
        return (await readState(s3, prefix))?.lifecycle?.replication?.qosStatus === 'fulfilled' ? r : undefined;
      },
      { deadlineMs: 20_000, description: 'lifecycle function', initialDelayMs: 100, maxDelayMs: 500 },
    );
    expect(report).toMatchObject({ datasets: 1, replicationChecked: 1, errors: 0 });
  });

  it('asked in the metadata file for 3 replicas: supports on all 3 providers, one QoS requirement, fulfilled', async () => {
    const prefix = await uploadDataset(s3, uniqueName('Life_Three'), { files: 2, metadata: `${SAMPLE_METADATA}Replication:\n  Replicas: 3\n` });
    const state = await waitForStatus(s3, prefix, ['provisioned', 'failed']);
    expect(state.failureReason).toBeUndefined();
    const supporting = (await supportsOf(state.outputs.spaceId!)).map((s) => s.providerId).sort();
    expect(supporting).toEqual(providers.map((p) => p.id).sort());
    expect((await simState()).qosRequirements.filter((q: any) => q.spaceId === state.outputs.spaceId)).toHaveLength(1);
    await waitForQueuesIdle();
    const done = await untilReplicated(prefix);
    expect(done.lifecycle!.replication!.providers.map((p) => p.filesReplicated)).toEqual([2, 2]);
  });

  it('a request added to a provisioned dataset is acted on when the file changes; redelivered and concurrent events add nothing twice', async () => {
    const metadata = `${SAMPLE_METADATA}Replication: false\n`;
    const prefix = await uploadDataset(s3, uniqueName('Life_Later'), { files: 1, metadata });
    const first = await waitForStatus(s3, prefix, ['provisioned']);
    expect(first.outputs.qosRequirementId).toBeUndefined();
    expect(await supportsOf(first.outputs.spaceId!)).toHaveLength(1);
    // The operator edits the file (keeping our section), asking for 3 replicas; the same version is delivered three times.
    const current = await getText(s3, `${prefix}/SPA.yml`);
    const edited = current.replace('Replication: false\n', 'Replication:\n  Replicas: 3\n');
    await putObject(s3, `${prefix}/SPA.yml`, edited);
    await Promise.all([1, 2].map(() => runCli(['retry', prefix, ...stack])));
    const after = await pollUntil(
      async () => {
        const s = await readState(s3, prefix);
        return s?.outputs.qosRequirementId && !s.lease ? s : undefined;
      },
      { deadlineMs: 30_000, description: 'lifecycle', initialDelayMs: 100, maxDelayMs: 500 },
    );
    await waitForQueuesIdle();
    expect(after.outputs.spaceId).toBe(first.outputs.spaceId);
    const supports = await supportsOf(first.outputs.spaceId!);
    expect(supports.map((s) => s.providerId).sort()).toEqual(providers.map((p) => p.id).sort());
    expect((await simState()).qosRequirements.filter((q: any) => q.spaceId === first.outputs.spaceId)).toHaveLength(1);
    // The operator's edit is kept.
    expect(await getText(s3, `${prefix}/SPA.yml`)).toContain('Replicas: 3');
  });
});

describe('expiry at the facility', () => {
  it('waits while replication is pending, revokes the primary only once fulfilled, deletes nothing when removeFromFilesystem is false', async () => {
    // Long enough for the first passes to find the replica still being made.
    await control('POST', '/sim', { transferDurationMs: 8000 });
    const prefix = await uploadDataset(s3, uniqueName('Life_Expire'), { files: 2, metadata: `${SAMPLE_METADATA}Retention: 30d\n` });
    const state = await waitForStatus(s3, prefix, ['provisioned']);
    const spaceId = state.outputs.spaceId!;
    await waitForQueuesIdle();
    const provisionedAt = new Date(state.provisionedAt!);

    const planned = await lifecycleRun(prefix, new Date(provisionedAt.getTime() + 86_400_000));
    expect(planned.expiriesScheduled).toBe(1);
    expect(planned.events.map((e: any) => e.event)).toEqual(['expiry scheduled']);
    const scheduled = (await readState(s3, prefix))!.lifecycle!.expiry!;
    expect(scheduled).toMatchObject({
      state: 'scheduled',
      source: 'metadata',
      spec: '30d',
      removeAt: new Date(provisionedAt.getTime() + 30 * 86_400_000).toISOString(),
    });

    // 31 days later, but the replica is still being made: nothing is revoked.
    const later = new Date(provisionedAt.getTime() + 31 * 86_400_000);
    const waiting = await lifecycleRun(prefix, later);
    expect(waiting).toMatchObject({ waitingForReplicas: 1, primaryRevoked: 0 });
    expect((await readState(s3, prefix))!.lifecycle!.expiry).toMatchObject({ state: 'waiting-for-replicas', waitingFor: expect.stringMatching(/pending/) });
    expect((await supportsOf(spaceId)).map((s) => s.providerId)).toContain(primaryId);

    // Once the transfers finish, a pass revokes the primary's support, and only that.
    let last: unknown;
    const expired = await pollUntil(
      async () => {
        const r = await lifecycleRun(prefix, later);
        last = r;
        return r.expired === 1 ? r : undefined;
      },
      { deadlineMs: 90_000, description: 'lifecycle', initialDelayMs: 500, maxDelayMs: 2000 },
    ).catch(async (e: Error) => {
      // Say why: the last pass's report and what the record says of the expiry and replication.
      const rec = await readState(s3, prefix);
      throw new Error(`${e.message}; last pass ${JSON.stringify(last)}; record ${JSON.stringify(rec?.lifecycle)}; lease ${JSON.stringify(rec?.lease)}`);
    });
    expect(expired).toMatchObject({ primaryRevoked: 1, objectsDeleted: 0 });
    const sim = await simState();
    expect(sim.qosRequirements.find((q: any) => q.id === state.outputs.qosRequirementId)).toBeDefined();
    const remaining = (await supportsOf(spaceId)).map((s) => s.providerId);
    expect(remaining).not.toContain(primaryId);
    expect(remaining).toEqual([providers[1]!.id]);
    // Safe order in the request log: the revocation came after every QoS transfer of the space completed.
    const requests = (await (await fetch(`${info.onedataUrl}/_sim/requests`)).json()) as any[];
    const revokeAt = requests.find((r: any) => r.method === 'DELETE' && r.path.endsWith(`/provider/spaces/${spaceId}`))?.startedAt;
    expect(revokeAt).toBeDefined();
    const transfers = sim.transfers.filter((t: any) => t.spaceId === spaceId);
    expect(transfers.length).toBeGreaterThan(0);
    for (const t of transfers) {
      expect(t.status).toBe('completed');
      expect(t.finishTime * 1000).toBeLessThanOrEqual(revokeAt);
    }
    // Nothing deleted from the facility: every data object is still in the bucket.
    const keys = await listKeys(s3, `${prefix}/`);
    for (const k of dataObjectKeys(prefix, 2)) expect(keys).toContain(k);
    const rec = (await readState(s3, prefix))!;
    expect(rec.lifecycle!.expiry).toMatchObject({ state: 'expired', removeFromFilesystem: false });
    expect(rec.lifecycle!.expiry!.objectsDeletedAt).toBeUndefined();
    // Replication is still followed, now through a secondary.
    expect((await lifecycleRun(prefix, later)).replicationChecked).toBe(1);
  });

  it("with removeFromFilesystem the data objects go after the revocation; the operator's file stays", async () => {
    await control('POST', '/config', { dataReplication: { removeFromFilesystem: true } });
    const prefix = await uploadDataset(s3, uniqueName('Life_Remove'), { files: 2, metadata: `${SAMPLE_METADATA}Retention: now\n` });
    await waitForStatus(s3, prefix, ['provisioned']);
    await waitForQueuesIdle();
    // Retention "now": the pass that sees the replication fulfilled also expires the dataset.
    await untilReplicated(prefix);
    const expiry = (await readState(s3, prefix))!.lifecycle!.expiry!;
    expect(expiry).toMatchObject({ state: 'expired', removeFromFilesystem: true, objectsDeleted: 2 });
    expect(Date.parse(expiry.objectsDeletedAt!)).toBeGreaterThanOrEqual(Date.parse(expiry.primaryRevokedAt!));
    const keys = await listKeys(s3, `${prefix}/`);
    for (const k of dataObjectKeys(prefix, 2)) expect(keys).not.toContain(k);
    expect(keys).toContain(`${prefix}/SPA.yml`);
  });

  it("fs2od's contract: .fs2od DeniedProviders [primary] without RemovingTime counts timeUntilRemoved from when it was noticed", async () => {
    const prefix = await uploadDataset(s3, uniqueName('Life_Fs2od'), { files: 1 });
    await waitForStatus(s3, prefix, ['provisioned']);
    await waitForQueuesIdle();
    await control('POST', '/config', { fs2odMetadataFile: { enabled: true, storeAccessInfo: false }, dataReplication: { timeUntilRemoved: '2d' } });
    try {
      await putObject(s3, `${prefix}/.fs2od`, 'Onedata:\n  DeniedProviders: [primary]\n  LastProgramRun: 2026-12-01T10:00:00\n');
      const noticed = new Date(Date.now() + 3_600_000);
      const first = await pollUntil(
        async () => {
          const r = await lifecycleRun(prefix, noticed);
          return r.busy ? undefined : r;
        },
        { deadlineMs: 20_000, description: 'lifecycle', initialDelayMs: 200, maxDelayMs: 1000 },
      );
      expect(first.expiriesScheduled).toBe(1);
      expect((await readState(s3, prefix))!.lifecycle!.expiry).toMatchObject({
        state: 'scheduled',
        source: 'fs2od',
        spec: '2d',
        noticedAt: noticed.toISOString(),
        removeAt: new Date(noticed.getTime() + 2 * 86_400_000).toISOString(),
      });
      // A day later the countdown still counts from the moment noticed (fs2od restarted it).
      expect((await lifecycleRun(prefix, new Date(noticed.getTime() + 86_400_000))).expiriesScheduled).toBe(0);
      await untilReplicated(prefix);
      const r = await lifecycleRun(prefix, new Date(noticed.getTime() + 3 * 86_400_000));
      expect(r).toMatchObject({ primaryRevoked: 1, expired: 1, objectsDeleted: 0 });
      expect((await readState(s3, prefix))!.lifecycle!.expiry!.state).toBe('expired');
      expect(await listKeys(s3, `${prefix}/`)).toContain(`${prefix}/Movies/movie_0.tiff`);
    } finally {
      await control('POST', '/config', {});
    }
  });

  it('cancelling with never really cancels: nothing is revoked when the time passes', async () => {
    const prefix = await uploadDataset(s3, uniqueName('Life_Cancel'), { files: 1, metadata: `${SAMPLE_METADATA}Retention: 1d\n` });
    const state = await waitForStatus(s3, prefix, ['provisioned']);
    await waitForQueuesIdle();
    await pollUntil(async () => ((await lifecycleRun(prefix)).busy ? undefined : true), {
      deadlineMs: 20_000,
      description: 'lifecycle',
      initialDelayMs: 200,
      maxDelayMs: 1000,
    });
    expect((await readState(s3, prefix))!.lifecycle!.expiry!.state).toBe('scheduled');
    const text = await getText(s3, `${prefix}/SPA.yml`);
    await putObject(s3, `${prefix}/SPA.yml`, text.replace('Retention: 1d', 'Retention: never'));
    await waitForQueuesIdle();
    // The file's change runs a (refresh) provision job, which holds the lease for a moment.
    const r = await pollUntil(
      async () => {
        const x = await lifecycleRun(prefix, new Date(Date.now() + 3 * 86_400_000));
        return x.busy ? undefined : x;
      },
      { deadlineMs: 20_000, description: 'lifecycle', initialDelayMs: 200, maxDelayMs: 1000 },
    );
    expect(r).toMatchObject({ cancelled: 1, primaryRevoked: 0 });
    expect((await readState(s3, prefix))!.lifecycle!.expiry!.state).toBe('cancelled');
    expect((await supportsOf(state.outputs.spaceId!)).map((s) => s.providerId)).toContain(primaryId);
  });
});

describe('the metadata file removed from the bucket', () => {
  it("by default is only recorded; with onMetadataRemoved: delete the dataset's Onedata objects are deleted", async () => {
    const keep = await uploadDataset(s3, uniqueName('Life_Gone_Keep'), { files: 1 });
    const drop = await uploadDataset(s3, uniqueName('Life_Gone_Drop'), { files: 1 });
    const kept = await waitForStatus(s3, keep, ['provisioned']);
    const dropped = await waitForStatus(s3, drop, ['provisioned']);
    await waitForQueuesIdle();
    await s3.send(new DeleteObjectCommand({ Bucket: info.bucket, Key: `${keep}/SPA.yml` }));
    const first = await lifecycleRun(keep);
    expect(first).toMatchObject({ metadataRemoved: 1, deleted: 0 });
    expect((await readState(s3, keep))!).toMatchObject({ status: 'provisioned', lifecycle: { metadataRemovedAt: expect.any(String) } });
    expect((await simState()).spaces.some((s: any) => s.id === kept.outputs.spaceId)).toBe(true);

    await control('POST', '/config', { lifecycle: { onMetadataRemoved: 'delete' } });
    try {
      await s3.send(new DeleteObjectCommand({ Bucket: info.bucket, Key: `${drop}/SPA.yml` }));
      const r = await lifecycleRun(drop);
      expect(r).toMatchObject({ metadataRemoved: 1, deleted: 1 });
      expect((await readState(s3, drop))!.status).toBe('deleted');
      expect((await simState()).spaces.some((s: any) => s.id === dropped.outputs.spaceId)).toBe(false);
    } finally {
      await control('POST', '/config', { lifecycle: { onMetadataRemoved: 'record' } });
    }
  });
});
