import { afterEach, describe, expect, it } from 'vitest';
import { expectExactlyOneOfEach, onedataObjectsNamed, uniqueName, uploadDataset, waitForStatus } from '../helpers/datasets.ts';
import { control, s3Client, stackInfo, waitForQueuesIdle } from '../helpers/stack-client.ts';

/**
 * Onedata misbehaving: 503s and dropped connections, answers lost after the effect, and a
 * propagation delay longer than the first polls. Every dataset still ends provisioned, with exactly
 * one of each Onedata object.
 */
const info = stackInfo();
const s3 = s3Client(info);
const simConfig = (knobs: Record<string, number>) => fetch(`${info.onedataUrl}/_sim/config`, { method: 'POST', body: JSON.stringify(knobs), headers: { 'content-type': 'application/json' } });

describe('Onedata faults', () => {
  afterEach(async () => {
    await simConfig({ faultRate: 0, lostResponseRate: 0, propagationDelayMs: 100, latencyMs: 2 });
  });

  it('20 datasets under a 20% fault rate, lost answers and a 1.5 s propagation delay all end provisioned without duplicates', { timeout: 240_000 }, async () => {
    await simConfig({ faultRate: 0.2, lostResponseRate: 0.05, propagationDelayMs: 1500, latencyMs: 5 });
    const names = Array.from({ length: 20 }, () => uniqueName('Fault'));
    const prefixes = await Promise.all(names.map((n) => uploadDataset(s3, n, { files: 1 })));
    const states = await Promise.all(prefixes.map((p) => waitForStatus(s3, p, ['provisioned'], 200_000)));
    await simConfig({ faultRate: 0, lostResponseRate: 0 });
    // Jobs that failed under the faults come back after their visibility timeout: give them time.
    await waitForQueuesIdle(undefined, 150_000);
    for (const n of names) expectExactlyOneOfEach(await onedataObjectsNamed(n));
    expect(states.every((s) => s.outputs.publicUrl && s.outputs.inviteToken)).toBe(true);
    const requests = (await (await fetch(`${info.onedataUrl}/_sim/requests`)).json()) as { fault?: string }[];
    // The faults really happened.
    expect(requests.filter((r) => r.fault).length).toBeGreaterThan(10);
  });

  it('a job redelivered while its first run is still going does not run the saga twice', async () => {
    // The propagation delay outlasts the local 5 s visibility timeout: SQS hands the job out again.
    await simConfig({ propagationDelayMs: 7000 });
    const name = uniqueName('Redeliver');
    const prefix = await uploadDataset(s3, name, { files: 1 });
    const state = await waitForStatus(s3, prefix, ['provisioned'], 60_000);
    await waitForQueuesIdle();
    expectExactlyOneOfEach(await onedataObjectsNamed(name));
    expect(state.history.some((h) => h.event === 'run started')).toBe(true);
    const logs = (await control('GET', '/logs')) as string[];
    // The second delivery found the lease taken and stepped back.
    expect(logs.some((l) => l.includes('record deferred') && l.includes(`${prefix} is being provisioned by another worker`))).toBe(true);
  });
});
