import { describe, expect, it } from 'vitest';
import { deleteDataset } from '../../../shared/lifecycle/delete-dataset.ts';
import { provisionDataset } from '../../../shared/provisioning/provision-dataset.ts';
import { provisioningFixture, uploadMetadata, useOnedataSim } from '../../helpers/provisioning-fixture.ts';

/**
 * A deleted dataset and a new upload of its metadata file (docs/lifecycle.md: "a new upload of the
 * metadata file provisions it afresh"), against the Onedata simulator on 127.0.0.1 and an
 * in-memory bucket.
 */
const local = useOnedataSim();

describe('a deleted dataset', () => {
  it('is provisioned afresh by an upload of the very same bytes (S3 gives them the same ETag)', async () => {
    // Guards: recordDeleted forgetting metadataEtag (removed: the upload's job carries the recorded
    // ETag, provisioning takes it for a repeat and answers `skipped`, and the dataset stays deleted).
    const { deps, objects, states } = provisioningFixture(local.sim);
    const { ds, job } = uploadMetadata(objects);
    expect(await provisionDataset(job, deps)).toBe('provisioned');
    const before = (await states.read(ds.id))!.state;

    expect((await deleteDataset(deps, ds, 'test')).outcome).toBe('deleted');
    const deleted = (await states.read(ds.id))!.state;
    expect(deleted.status).toBe('deleted');
    expect(deleted.metadataEtag).toBeUndefined();

    // The operator uploads the file as it is in the bucket (our section included): same bytes, same
    // ETag — unlike MemoryObjects.seed, S3 derives a single-part upload's ETag from its bytes alone.
    const key = `${ds.prefix}/SPA.yml`;
    const same = objects.data.get(key)!;
    expect(same.etag).toBe(before.metadataEtag);
    objects.data.set(key, { body: Buffer.from(same.body), etag: same.etag });
    const upload = { ...job, etag: same.etag, dedupKey: `p:${ds.id}:${same.etag}` };

    expect(await provisionDataset(upload, deps)).toBe('provisioned');
    const again = (await states.read(ds.id))!.state;
    expect(again).toMatchObject({ status: 'provisioned', generation: 1 });
    expect(again.outputs.spaceId).toBeDefined();
    expect(again.outputs.spaceId).not.toBe(before.outputs.spaceId);
    expect(objects.text(key)).toContain(`Space: ${again.outputs.spaceId}`);
  });

  it('stays deleted when a job comes for it while its metadata file is gone (a redrive, s3od retry)', async () => {
    // Guards the status kept on "metadata file is gone" (removed: with the version no longer
    // recorded after a deletion, such a job turned the record into `pending`).
    const { deps, objects, states } = provisioningFixture(local.sim);
    const { ds, job } = uploadMetadata(objects);
    expect(await provisionDataset(job, deps)).toBe('provisioned');
    expect((await deleteDataset(deps, ds, 'test')).outcome).toBe('deleted');
    objects.data.delete(`${ds.prefix}/SPA.yml`);
    expect(await provisionDataset({ ...job, reason: 'retry' }, deps)).toBe('skipped');
    expect((await states.read(ds.id))!.state.status).toBe('deleted');
  });
});
