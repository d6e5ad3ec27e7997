import { afterEach, describe, expect, it } from 'vitest';
import { dataObjectKeys, expectExactlyOneOfEach, onedataObjectsNamed, uniqueName, uploadDataset, waitForStatus } from '../helpers/datasets.ts';
import { control, s3Client, stackInfo, waitForQueuesIdle } from '../helpers/stack-client.ts';

/**
 * Onedata misbehaving: 503s and dropped connections, answers lost after the effect, and a
 * propagation delay longer than the first polls. Every dataset still ends provisioned, with exactly
 * one of each Onedata object.
 */
const info = stackInfo();
const s3 = s3Client(info);
const simConfig = (knobs: Record<string, unknown>) =>
  fetch(`${info.onedataUrl}/_sim/config`, { method: 'POST', body: JSON.stringify(knobs), headers: { 'content-type': 'application/json' } });

/** The calls that create something in Onedata (the support token is short-lived and not counted). */
const CREATE_CALLS = [
  { method: 'POST', path: '/api/v3/onezone/groups/[^/]+/spaces' },
  { method: 'POST', path: '/api/v3/onepanel/provider/storages' },
  { method: 'POST', path: '/api/v3/onezone/groups/[^/]+/children' },
  { method: 'POST', path: '/api/v3/onepanel/provider/spaces' },
  { method: 'POST', path: '/api/v3/onezone/users/[^/]+/tokens/named' },
  { method: 'PUT', path: '/api/v3/onezone/spaces/[^/]+/groups/[^/]+' },
  { method: 'POST', path: '/api/v3/oneprovider/shares' },
];

describe('Onedata faults', () => {
  afterEach(async () => {
    await simConfig({ faultRate: 0, lostResponseRate: 0, propagationDelayMs: 100, latencyMs: 2, dropAnswers: [] });
  });

  it(
    '20 datasets under a 20% fault rate, lost answers and a 1.5 s propagation delay all end provisioned without duplicates',
    { timeout: 420_000 },
    async () => {
      // Random lost answers may miss a kind of call: every create call also loses its answer twice
      // for sure (the first two of each kind, whichever datasets they belong to).
      await simConfig({
        faultRate: 0.2,
        lostResponseRate: 0.05,
        propagationDelayMs: 1500,
        latencyMs: 5,
        dropAnswers: CREATE_CALLS.map((c) => ({ ...c, times: 2 })),
      });
      const names = Array.from({ length: 20 }, () => uniqueName('Fault'));
      const prefixes = await Promise.all(names.map((n) => uploadDataset(s3, n, { files: 1 })));
      // A job whose attempt fails comes back after the provision queue's visibility timeout (150 s):
      // one failed attempt late in the run (a loaded machine) ends past 200 s, two past 300 s.
      const states = await Promise.all(prefixes.map((p) => waitForStatus(s3, p, ['provisioned'], 330_000)));
      await simConfig({ faultRate: 0, lostResponseRate: 0 });
      // Jobs that failed under the faults come back after their visibility timeout: give them time.
      await waitForQueuesIdle(undefined, 150_000);
      for (const [i, n] of names.entries()) expectExactlyOneOfEach(await onedataObjectsNamed(n), { dataObjects: dataObjectKeys(prefixes[i]!, 1) });
      expect(states.every((s) => s.outputs.publicUrl && s.outputs.inviteToken)).toBe(true);
      const requests = (await (await fetch(`${info.onedataUrl}/_sim/requests`)).json()) as {
        fault?: string;
        method: string;
        path: string;
        status: number | null;
      }[];
      // A lost answer (the effect happened, the answer never arrived) hit every kind of create call.
      for (const c of CREATE_CALLS) {
        const re = new RegExp(`^(?:${c.path})$`);
        const lost = requests.filter((r) => r.method === c.method && re.test(r.path) && r.fault === 'lostResponse' && (r.status ?? 500) < 300);
        expect({ call: `${c.method} ${c.path}`, lost: lost.length >= 1 }).toEqual({ call: `${c.method} ${c.path}`, lost: true });
      }
      // The faults really happened.
      expect(requests.filter((r) => r.fault).length).toBeGreaterThan(10);
    },
  );

  it('a job redelivered while its first run is still going does not run the saga twice', async () => {
    // The propagation delay outlasts the local 5 s visibility timeout: SQS hands the job out again.
    await simConfig({ propagationDelayMs: 7000 });
    const name = uniqueName('Redeliver');
    const prefix = await uploadDataset(s3, name, { files: 1 });
    const state = await waitForStatus(s3, prefix, ['provisioned'], 60_000);
    await waitForQueuesIdle();
    expectExactlyOneOfEach(await onedataObjectsNamed(name), { dataObjects: dataObjectKeys(prefix, 1) });
    expect(state.history.some((h) => h.event === 'run started')).toBe(true);
    const logs = (await control('GET', '/logs')) as string[];
    // The second delivery found the lease taken and stepped back.
    expect(logs.some((l) => l.includes('record deferred') && l.includes(`${prefix} is being provisioned by another worker`))).toBe(true);
  });
});
