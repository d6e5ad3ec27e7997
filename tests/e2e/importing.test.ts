import { describe, expect, it } from 'vitest';
import { pollUntil } from '../../shared/retry/index.ts';
import { onedataObjectsNamed, uniqueName, uploadDataset, waitForStatus, readState } from '../helpers/datasets.ts';
import { putObject, s3Client, stackInfo, waitForQueuesIdle } from '../helpers/stack-client.ts';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';

const info = stackInfo();
const s3 = s3Client(info);

async function waitForRegistrations(name: string, count: number): Promise<any[]> {
  return pollUntil(
    async () => {
      const r = (await onedataObjectsNamed(name)).registrations;
      return r.length >= count ? r : undefined;
    },
    { deadlineMs: 60_000, initialDelayMs: 100, maxDelayMs: 500, description: `${count} registrations of ${name}` },
  );
}

describe('import in s3 mode (registration of each object)', () => {
  it('registers objects that were uploaded before the metadata file once provisioning finishes', async () => {
    const name = uniqueName('Imp_Before');
    const prefix = await uploadDataset(s3, name, { files: 5 });
    await waitForStatus(s3, prefix, ['provisioned']);
    const regs = await waitForRegistrations(name, 5);
    expect(regs.map((r) => r.destinationPath).sort()).toEqual([0, 1, 2, 3, 4].map((i) => `/Movies/movie_${i}.tiff`));
    // Neither the metadata file (it holds the invite token) nor s3od's own objects are registered.
    expect(regs.some((r) => /SPA\.yml|\.s3od/.test(r.destinationPath))).toBe(false);
  });

  it('registers 200 new objects with awkward names exactly once each, and re-uploads change no count', async () => {
    const name = uniqueName('Imp_Many');
    const prefix = await uploadDataset(s3, name, { files: 0 });
    await waitForStatus(s3, prefix, ['provisioned']);
    const keys = Array.from({ length: 200 }, (_, i) => `${prefix}/grid ${i % 4}/sub+dir/ünï ${i}.mrc`);
    const upload = async () => {
      for (let i = 0; i < keys.length; i += 20) await Promise.all(keys.slice(i, i + 20).map((k) => putObject(s3, k, `x${k}`)));
    };
    await upload();
    const regs = await waitForRegistrations(name, 200);
    expect(new Set(regs.map((r) => r.destinationPath))).toEqual(new Set(keys.map((k) => k.slice(prefix.length))));
    expect(regs.every((r) => r.storageFileId === `/${prefix}${r.destinationPath}`)).toBe(true);
    await upload();
    await pollUntil(async () => ((await readState(s3, prefix))!.import.registered >= 400 ? true : undefined), {
      deadlineMs: 60_000,
      initialDelayMs: 100,
      maxDelayMs: 500,
      description: 'second round registered',
    });
    const again = (await onedataObjectsNamed(name)).registrations;
    expect(again).toHaveLength(200);
    expect(again.every((r) => r.count >= 2)).toBe(true);
  });

  it('records removals without touching the registrations', async () => {
    const name = uniqueName('Imp_Remove');
    const prefix = await uploadDataset(s3, name, { files: 2 });
    await waitForStatus(s3, prefix, ['provisioned']);
    await waitForRegistrations(name, 2);
    await s3.send(new DeleteObjectCommand({ Bucket: info.bucket, Key: `${prefix}/Movies/movie_0.tiff` }));
    const st = await pollUntil(
      async () => {
        const s = await readState(s3, prefix);
        return s && s.import.removed >= 1 ? s : undefined;
      },
      { deadlineMs: 30_000, initialDelayMs: 100, maxDelayMs: 500, description: 'removal recorded' },
    );
    expect(st.import.removed).toBe(1);
    expect((await onedataObjectsNamed(name)).registrations).toHaveLength(2);
  });

  it('freezes the dataset once when its .running marker is removed', async () => {
    const name = uniqueName('Imp_Running');
    const prefix = `datasets/${name}`;
    await putObject(s3, `${prefix}/.running`, '');
    await uploadDataset(s3, name, { files: 2 });
    await waitForStatus(s3, prefix, ['provisioned']);
    await pollUntil(async () => ((await readState(s3, prefix))?.import.growing ? true : undefined), {
      deadlineMs: 30_000,
      initialDelayMs: 100,
      maxDelayMs: 500,
      description: 'growing',
    });
    await s3.send(new DeleteObjectCommand({ Bucket: info.bucket, Key: `${prefix}/.running` }));
    const frozen = await pollUntil(
      async () => {
        const s = await readState(s3, prefix);
        return s?.import.frozenAt ? s : undefined;
      },
      { deadlineMs: 60_000, initialDelayMs: 100, maxDelayMs: 500, description: 'frozen' },
    );
    const objects = await onedataObjectsNamed(name);
    // The support shrank to the occupied size (at least the 1 MiB Onedata minimum).
    expect(objects.supports[0].size).toBe(frozen.import.frozenSize);
    expect(objects.supports[0].size).toBeLessThan(10995116277760);
    // Removing the marker again (a duplicate event) freezes nothing twice.
    const sizeBefore = objects.supports[0].size;
    await s3.send(new DeleteObjectCommand({ Bucket: info.bucket, Key: `${prefix}/.running` }));
    await waitForQueuesIdle();
    const again = await readState(s3, prefix);
    expect(again!.import.frozenAt).toBe(frozen.import.frozenAt);
    expect((await onedataObjectsNamed(name)).supports[0].size).toBe(sizeBefore);
  });
});
