import { afterAll, describe, expect, it } from 'vitest';
import { CRASH_AFTER_STEP_ENV } from '../../shared/provisioning/fault-hook.ts';
import { PROVISIONING_STEPS } from '../../shared/provisioning/steps.ts';
import {
  dataObjectKeys,
  countsOf,
  expectExactlyOneOfEach,
  onedataObjectsNamed,
  SAMPLE_METADATA,
  uniqueName,
  uploadDataset,
  waitForStatus,
} from '../helpers/datasets.ts';
import { control, getText, putObject, s3Client, stackInfo, waitForQueuesIdle, waitForSimulatedCrash } from '../helpers/stack-client.ts';

/**
 * At-least-once delivery: duplicate, concurrent and redelivered jobs, and workers that die after
 * any step, must never create a second space, storage, support, group, token or share.
 */
const info = stackInfo();
const s3 = s3Client(info);

function metadataEvent(key: string, etag: string): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.2',
        eventSource: 'ceph:s3',
        eventTime: new Date().toISOString(),
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: info.bucket }, object: { key, size: SAMPLE_METADATA.length, eTag: etag } },
        opaqueData: info.webhookToken,
      },
    ],
  });
}

describe('idempotency under duplicate and concurrent delivery', () => {
  afterAll(async () => {
    await control('POST', '/env', { [CRASH_AFTER_STEP_ENV]: null });
    await control('POST', '/resume');
  });

  it('the same event delivered 10 times at once provisions one of each', async () => {
    const name = uniqueName('Dup10');
    await control('POST', '/pause');
    const prefix = await uploadDataset(s3, name, { files: 1 });
    const etag = (await s3.send(new (await import('@aws-sdk/client-s3')).HeadObjectCommand({ Bucket: info.bucket, Key: `${prefix}/SPA.yml` }))).ETag!.replace(
      /"/g,
      '',
    );
    const sends = Array.from({ length: 9 }, () =>
      fetch(`${info.functionsUrl}/function/on-object-event`, {
        method: 'POST',
        body: metadataEvent(`${prefix}/SPA.yml`, etag),
        headers: { 'content-type': 'application/json' },
      }),
    );
    expect((await Promise.all(sends)).every((r) => r.status === 202)).toBe(true);
    await control('POST', '/resume');
    const state = await waitForStatus(s3, prefix, ['provisioned']);
    await waitForQueuesIdle();
    expectExactlyOneOfEach(await onedataObjectsNamed(name), { dataObjects: dataObjectKeys(prefix, 1) });
    // The deliveries contended for the dataset's lease (guards: the lease in acquireLease and the
    // step-back of provisionDataset): at least one found it taken and was deferred, and only the
    // runs that held the lease ever started the saga.
    const logs = (await control('GET', '/logs')) as string[];
    const deferred = logs.filter((l) => l.includes('record deferred') && l.includes(`${prefix} is being provisioned by another worker`));
    expect(deferred.length).toBeGreaterThan(0);
    const runs = state.history.filter((h) => h.event === 'run started').length;
    expect(runs).toBe(state.attempts);
    expect(runs).toBeLessThan(10);
  });

  it('a metadata file uploaded twice (same and changed content) provisions one of each', async () => {
    const name = uniqueName('Twice');
    const prefix = await uploadDataset(s3, name, { files: 1 });
    await putObject(s3, `${prefix}/SPA.yml`, SAMPLE_METADATA);
    await putObject(s3, `${prefix}/SPA.yml`, SAMPLE_METADATA.replace('NotifyCompletion: true', 'NotifyCompletion: false'));
    await waitForStatus(s3, prefix, ['provisioned']);
    await waitForQueuesIdle();
    expectExactlyOneOfEach(await onedataObjectsNamed(name), { dataObjects: dataObjectKeys(prefix, 1) });
    const text = await getText(s3, `${prefix}/SPA.yml`);
    expect(text).toContain('NotifyCompletion: false');
    expect(text).toMatch(/\nOnedata:\n {2}Onezone: /);
  });

  it('a worker killed after each step in turn resumes without duplicates', async () => {
    const cases = PROVISIONING_STEPS.map((s) => ({ step: s.name, name: uniqueName(`Crash_${s.name.replace(/-/g, '')}`) }));
    await control('POST', '/env', { [CRASH_AFTER_STEP_ENV]: cases.map((c) => `${c.step}@${c.name}`).join(',') });
    const prefixes = await Promise.all(cases.map((c) => uploadDataset(s3, c.name, { files: 1 })));
    // Each crashes once; the job comes back after the visibility timeout, after the lease expired.
    // The crash loses the outputs the run had staged but not written (saga.ts): the resumed run
    // finds those objects by identity.
    await Promise.all(cases.map((c, i) => waitForSimulatedCrash(prefixes[i]!, c.step, 90_000)));
    await control('POST', '/env', { [CRASH_AFTER_STEP_ENV]: null });
    const states = await Promise.all(prefixes.map((p) => waitForStatus(s3, p, ['provisioned'], 90_000)));
    await waitForQueuesIdle();
    for (const [i, c] of cases.entries()) {
      const objects = await onedataObjectsNamed(c.name);
      expect({ step: c.step, counts: countsOf(objects) }).toEqual({
        step: c.step,
        counts: { spaces: 1, storages: 1, supports: 1, groups: 1, tokens: 1, shares: 1 },
      });
      expectExactlyOneOfEach(objects, { dataObjects: dataObjectKeys(prefixes[i]!, 1) });
      expect(states[i]!.attempts).toBeGreaterThanOrEqual(2);
      const text = await getText(s3, `${prefixes[i]}/SPA.yml`);
      expect(text.startsWith(SAMPLE_METADATA)).toBe(true);
      expect(text.match(/\nOnedata:/g)).toHaveLength(1);
    }
  });

  it('an operator edit made while provisioning is under way is kept', async () => {
    const name = uniqueName('OpEdit');
    await control('POST', '/env', { [CRASH_AFTER_STEP_ENV]: `create-share@${name}` });
    const prefix = await uploadDataset(s3, name, { files: 1 });
    await waitForSimulatedCrash(prefix, 'create-share');
    await control('POST', '/env', { [CRASH_AFTER_STEP_ENV]: null });
    const edited = SAMPLE_METADATA + '# operator: checked the grid types\nReviewedBy: J. Doe\n';
    await putObject(s3, `${prefix}/SPA.yml`, edited);
    await waitForStatus(s3, prefix, ['provisioned']);
    await waitForQueuesIdle();
    const text = await getText(s3, `${prefix}/SPA.yml`);
    expect(text.startsWith(edited)).toBe(true);
    expect(text).toMatch(/PublicURL: /);
    expectExactlyOneOfEach(await onedataObjectsNamed(name), { dataObjects: dataObjectKeys(prefix, 1) });
  });
});
