import { describe, expect, it } from 'vitest';
import { expectExactlyOneOfEach, onedataObjectsNamed, SAMPLE_METADATA, uniqueName, uploadDataset, waitForStatus } from '../helpers/datasets.ts';
import { control, getText, s3Client, stackInfo, waitForQueuesIdle } from '../helpers/stack-client.ts';

/**
 * Ceph RGW restarted in the middle of a batch: state writes and write-backs fail for a moment,
 * jobs come back through the queue, and every dataset still ends provisioned exactly once.
 */
const info = stackInfo();
const s3 = s3Client(info);

describe('S3 outage in the middle of a batch', () => {
  it('every dataset of the batch ends provisioned, once, with the operator file intact', async () => {
    const names = Array.from({ length: 8 }, () => uniqueName('Outage'));
    // The jobs wait on the queue, then the functions start on them and the gateway goes away under them.
    await control('POST', '/pause');
    let prefixes: string[];
    try {
      prefixes = await Promise.all(names.map((n) => uploadDataset(s3, n, { files: 1 })));
    } finally {
      await control('POST', '/resume');
    }
    await new Promise((r) => setTimeout(r, 150));
    await control('POST', '/s3/restart');
    for (const p of prefixes) await waitForStatus(s3, p, ['provisioned'], 90_000);
    await waitForQueuesIdle();
    for (const [i, n] of names.entries()) {
      expectExactlyOneOfEach(await onedataObjectsNamed(n));
      const text = await getText(s3, `${prefixes[i]}/SPA.yml`);
      expect(text.startsWith(SAMPLE_METADATA)).toBe(true);
    }
  });
});
