import { describe, expect, it } from 'vitest';
import { DeadlineExceededError, isPosixError, waitUntilProviderSeesSpace } from '../../shared/onedata/index.ts';
import { supportedSpace, visibleSpace, useSim, failure } from './onedata-sim-fixture.ts';
import { apiFor } from './simulator-helpers.ts';

const ctx = useSim();

describe('Oneprovider client against the simulator', () => {
  it('reads the public configuration', async () => {
    const cfg = await ctx.od.provider.getConfiguration();
    expect(cfg.providerId).toBe(ctx.sim.info.providerIds[0]);
    expect(cfg.version).toMatch(/^21\.02/);
  });

  it('a user with no supported space gets 403 userNotSupported', async () => {
    const e = await failure(ctx.od.provider.getSpace('no-such-space'));
    expect(e).toMatchObject({ status: 403, id: 'userNotSupported', service: 'oneprovider' });
  });

  it('an unknown space id is 400 spaceNotSupportedBy {spaceId: <the value sent>}', async () => {
    const { od, sim } = ctx;
    await visibleSpace(od, sim);
    const e = await failure(od.provider.getSpace('no-such-space'));
    expect(e).toMatchObject({ status: 400, id: 'spaceNotSupportedBy', details: { spaceId: 'no-such-space' } });
  });

  it('sees a supported space with its root dirId', async () => {
    const { od, sim } = ctx;
    const { spaceId, name, dirId } = await visibleSpace(od, sim);
    const space = await od.provider.getSpace(spaceId);
    expect(space).toMatchObject({ spaceId, name, dirId });
    expect(dirId).toBeTruthy();
  });

  it('waitUntilProviderSeesSpace rides out the propagation delay', async () => {
    const { od, sim } = ctx;
    sim.configure({ propagationDelayMs: 300 });
    const { spaceId } = await supportedSpace(od, sim);
    // Right after support the provider does not know the space yet.
    const early = await failure(od.provider.getSpace(spaceId));
    expect(['spaceNotSupportedBy', 'userNotSupported', 'forbidden']).toContain(early.id);
    const { dirId } = await waitUntilProviderSeesSpace(od, spaceId, { deadlineMs: 5000, initialDelayMs: 25, maxDelayMs: 100 });
    expect(dirId).toBeTruthy();
    const polls = sim.requests().filter((r) => r.method === 'GET' && r.path === `/api/v3/oneprovider/spaces/${spaceId}`);
    expect(polls.length).toBeGreaterThan(2);
  });

  it('waitUntilProviderSeesSpace gives DeadlineExceededError when the provider never sees it', async () => {
    const { od, sim } = ctx;
    sim.configure({ propagationDelayMs: 60_000 });
    const { spaceId } = await supportedSpace(od, sim);
    const e = await waitUntilProviderSeesSpace(od, spaceId, { deadlineMs: 200, initialDelayMs: 20, maxDelayMs: 50 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DeadlineExceededError);
    expect((e as Error).message).toContain(spaceId);
  });

  it('reads file attributes of the space root', async () => {
    const { od, sim } = ctx;
    const { dirId, name } = await visibleSpace(od, sim);
    const attrs = await od.provider.getFileAttributes(dirId, ['name', 'type', 'fileId']);
    expect(attrs.name).toBe(name);
    expect(String(attrs.type).toUpperCase()).toBe('DIR');
  });

  it('registering a file missing on the storage is 400 posix enoent; a present one gets its size', async () => {
    const { od, sim } = ctx;
    const { spaceId, storageId } = await visibleSpace(od, sim, { importMode: 'manual' });
    const res = await fetch(`${sim.url}/_sim/storage-content`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ storageId, objects: { 'raw/present.dat': { size: 5 } } }),
    });
    expect(res.status).toBe(200);
    const missing = { spaceId, storageId, storageFileId: '/raw/missing.dat', destinationPath: '/raw/missing.dat' };
    const e = await failure(od.provider.registerFile(missing));
    expect(e.status).toBe(400);
    expect(isPosixError(e, 'enoent')).toBe(true);
    const { fileId } = await od.provider.registerFile({ ...missing, storageFileId: '/raw/present.dat', destinationPath: '/raw/present.dat' });
    expect((await od.provider.getFileAttributes(fileId!, ['size'])).size).toBe(5);
  });

  it('sets and reads JSON metadata on the space root', async () => {
    const { od, sim } = ctx;
    const { dirId } = await visibleSpace(od, sim);
    const doc = { title: 'Dataset', tags: ['a', 'b'], nested: { n: 1 } };
    await od.provider.setJsonMetadata(dirId, doc);
    const read = await apiFor(sim).op('GET', `/data/${dirId}/metadata/json`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(doc);
  });

  it('creates, reads, updates and deletes a share of the space root', async () => {
    const { od, sim } = ctx;
    const { spaceId, dirId, name } = await visibleSpace(od, sim);
    const shareId = await od.provider.createShare({ name, rootFileId: dirId, description: '# Dataset' });
    const share = await od.provider.getShare(shareId);
    expect(share).toMatchObject({ shareId, name, description: '# Dataset', spaceId });
    expect(share.publicUrl).toBe(`https://${sim.info.zoneDomain}/share/${shareId}`);
    expect(share.rootFileId).toBeTruthy();
    expect(await od.zone.listSpaceShares(spaceId)).toContain(shareId);
    await od.provider.updateShare(shareId, { description: 'updated' });
    expect((await od.provider.getShare(shareId)).description).toBe('updated');
    await od.provider.deleteShare(shareId);
    expect(await od.zone.listSpaceShares(spaceId)).not.toContain(shareId);
  });

  it('an invalid share name is 400 badValueName', async () => {
    const { od, sim } = ctx;
    const { dirId } = await visibleSpace(od, sim);
    const e = await failure(od.provider.createShare({ name: '.bad', rootFileId: dirId }));
    expect(e).toMatchObject({ status: 400, id: 'badValueName' });
  });

  it('registers a file in a manual-import space (an upsert)', async () => {
    const { od, sim } = ctx;
    const { spaceId, storageId } = await visibleSpace(od, sim, { importMode: 'manual' });
    const req = {
      spaceId,
      storageId,
      storageFileId: '/raw/file1.dat',
      destinationPath: '/raw/file1.dat',
      size: 10,
      mtime: 1_700_000_000,
      autoDetectAttributes: false,
    };
    const first = await od.provider.registerFile(req);
    expect(first.fileId).toBeTruthy();
    const again = await od.provider.registerFile({ ...req, size: 11 });
    expect(again.fileId).toBe(first.fileId);
  });

  it('adds and reads a QoS requirement', async () => {
    const { od, sim } = ctx;
    const { dirId } = await visibleSpace(od, sim);
    const qosId = await od.provider.addQosRequirement({ fileId: dirId, expression: 'anyStorage', replicasNum: 1 });
    const qos = await od.provider.getQosRequirement(qosId);
    expect(qos).toMatchObject({ fileId: dirId, expression: 'anyStorage', replicasNum: 1 });
    expect(['fulfilled', 'pending', 'impossible']).toContain(qos.status);
  });

  it('reads a replication transfer and lists it under the space', async () => {
    const { od, sim } = ctx;
    const { dirId, spaceId } = await visibleSpace(od, sim);
    // The product never schedules a transfer itself (QoS does), so the test creates one directly.
    const createdReply = await apiFor(sim).op('POST', '/transfers', {
      type: 'replication',
      dataSourceType: 'file',
      fileId: dirId,
      replicatingProviderId: sim.info.providerIds[0]!,
    });
    expect(createdReply.status).toBe(201);
    const transferId: string = createdReply.body.transferId;
    const t = await od.provider.getTransfer(transferId);
    expect(t.type).toBe('replication');
    expect(t.spaceId).toBe(spaceId);
    expect(typeof t.transferStatus).toBe('string');
    // Listed in one of the three states; asked in the order a transfer moves through them, so a
    // move between two calls cannot hide it.
    const listed: string[] = [];
    for (const state of ['waiting', 'ongoing', 'ended'] as const) listed.push(...(await od.provider.listSpaceTransfers(spaceId, state)));
    expect(listed).toContain(transferId);
  });
});
