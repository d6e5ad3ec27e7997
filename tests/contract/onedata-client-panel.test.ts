import { describe, expect, it } from 'vitest';
import { InvalidStorageSpecError, ServiceHttp, hasErrorId, isConflict, isPermanent } from '../../shared/onedata/index.ts';
import { pollUntil as poll } from '../../shared/retry/index.ts';
import { posixSpec, supportedSpace, uniqueName, useSim, failure } from './onedata-sim-fixture.ts';

const ctx = useSim();

/**
 * Raw Onepanel access, to check the simulator's own validation of specs the client refuses to send
 * and to make calls the product client does not offer.
 */
function rawPanel(): ServiceHttp {
  return new ServiceHttp({
    service: 'onepanel',
    baseUrl: ctx.sim.url,
    basePath: '/api/v3/onepanel',
    token: ctx.sim.info.token,
    timeoutMs: 5000,
    retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 },
    concurrency: 1,
    logger: {
      debug() {},
      info() {},
      warn() {},
      error() {},
      child() {
        return this;
      },
    },
  });
}

describe('Onepanel client against the simulator', () => {
  it('reads the public configuration', async () => {
    const cfg = await ctx.od.panel.getConfiguration();
    expect(cfg.version).toMatch(/^21\.02/);
  });

  it('creates, reads, lists and deletes a POSIX storage', async () => {
    const { od } = ctx;
    const name = uniqueName('st');
    const id = await od.panel.createStorage(posixSpec(name));
    expect(await od.panel.listStorages()).toContain(id);
    expect(await od.panel.getStorage(id)).toMatchObject({ id, name, type: 'posix', importedStorage: true, readonly: true });
    await od.panel.deleteStorage(id);
    expect(await od.panel.listStorages()).not.toContain(id);
  });

  it('creates an imported S3 storage and supports a space with it in auto import mode', async () => {
    const { od, sim } = ctx;
    const name = uniqueName('s3');
    const id = await od.panel.createStorage({
      type: 's3',
      name,
      hostname: 'http://127.0.0.1:7480',
      bucketName: 'datasets',
      accessKey: 'AKIAEXAMPLE',
      secretKey: 'example-secret-key-value',
      importedStorage: true,
      readonly: true,
      storagePathType: 'canonical',
      blockSize: 0,
    });
    const st = await od.panel.getStorage(id);
    expect(st).toMatchObject({ id, name, type: 's3', importedStorage: true });
    expect(JSON.stringify(st)).not.toContain('example-secret-key-value');
    const spaceId = await od.zone.createSpace({ groupId: sim.info.managerGroupId, name });
    const token = await od.zone.createSupportToken(spaceId, { ttlSeconds: 120 });
    expect(await od.panel.supportSpace({ token, size: 10_000_000, storageId: id, storageImport: { mode: 'auto' } })).toBe(spaceId);
    expect((await od.panel.getSpaceSupport(spaceId)).storageImport?.mode).toBe('auto');
  });

  it('refuses impossible imported-storage specs locally, and the simulator refuses them too', async () => {
    const { od } = ctx;
    await expect(od.panel.createStorage(posixSpec(uniqueName('st'), { importedStorage: false }))).rejects.toBeInstanceOf(InvalidStorageSpecError);
    const flat = {
      type: 's3' as const,
      name: uniqueName('s3'),
      hostname: 'http://127.0.0.1:7480',
      bucketName: 'b',
      importedStorage: true,
      readonly: true,
      storagePathType: 'flat' as const,
      blockSize: 0,
    };
    await expect(od.panel.createStorage(flat)).rejects.toMatchObject({ id: 'storageImportNotSupported' });
    const before = ctx.sim.requests().length;
    expect(before).toBe(0);

    // The same bodies sent raw: the server side must reject them with the documented ids.
    const http = rawPanel();
    const readonlyName = uniqueName('st');
    const r1 = await http.request({
      method: 'POST',
      path: '/provider/storages',
      body: { [readonlyName]: { type: 'posix', mountPoint: '/m', readonly: true } },
      acceptStatuses: [400],
    });
    expect(r1.status).toBe(400);
    expect(JSON.stringify(r1.data)).toContain('requiresImportedStorage');
    const { name: flatName, ...flatConfig } = flat;
    const r2 = await http.request({ method: 'POST', path: '/provider/storages', body: { [flatName]: flatConfig }, acceptStatuses: [400] });
    expect(r2.status).toBe(400);
    expect(JSON.stringify(r2.data)).toMatch(/storageImportNotSupported|autoStorageImportNotSupported/);
  });

  it('an invalid storage name sent raw is rejected with badValueName in the per-storage map', async () => {
    const r = await rawPanel().request({
      method: 'POST',
      path: '/provider/storages',
      body: { 'bad@name': { type: 'posix', mountPoint: '/m' } },
      acceptStatuses: [400],
    });
    expect(r.status).toBe(400);
    expect(r.data).toMatchObject({ 'bad@name': { error: { id: 'badValueName' } } });
  });

  it('supports a space, lists and reads the support, resizes it and revokes it', async () => {
    const { od, sim } = ctx;
    const { spaceId, storageId } = await supportedSpace(od, sim, { size: 10_000_000 });
    expect(await od.panel.listSupportedSpaces()).toContain(spaceId);
    const support = await od.panel.getSpaceSupport(spaceId);
    expect(support).toMatchObject({ id: spaceId, storageId });
    expect(support.supportingProviders[sim.info.providerIds[0]!]).toBe(10_000_000);
    expect(support.storageImport?.mode).toBe('auto');
    await od.panel.updateSpaceSupport(spaceId, { size: 20_000_000 });
    expect((await od.panel.getSpaceSupport(spaceId)).supportingProviders[sim.info.providerIds[0]!]).toBe(20_000_000);
    expect((await od.zone.getSpace(spaceId)).providers[sim.info.providerIds[0]!]).toBe(20_000_000);
    await od.panel.revokeSupport(spaceId);
    expect(await od.panel.listSupportedSpaces()).not.toContain(spaceId);
  });

  it('the support response is 201 with {id} and an Onepanel path Location', async () => {
    const { od, sim } = ctx;
    const { spaceId } = await supportedSpace(od, sim);
    const req = sim.requests().find((r) => r.method === 'POST' && r.path === '/api/v3/onepanel/provider/spaces');
    expect(req?.status).toBe(201);
    expect(req?.body).toMatchObject({ token: '[REDACTED]', storageId: expect.any(String) });
    expect(spaceId).toBeTruthy();
  });

  it('a second support of the same space is 409 relationAlreadyExists', async () => {
    const { od, sim } = ctx;
    const { spaceId } = await supportedSpace(od, sim);
    const storage2 = await od.panel.createStorage(posixSpec(uniqueName('st')));
    const token = await od.zone.createSupportToken(spaceId, { ttlSeconds: 120 });
    const e = await failure(od.panel.supportSpace({ token, size: 10_000_000, storageId: storage2 }));
    expect(e.status).toBe(409);
    expect(hasErrorId(e, 'relationAlreadyExists', 'spaceAlreadySupportedWithImportedStorage')).toBe(true);
    expect(isConflict(e)).toBe(true);
    expect(e.wrappedIn).toBe('errorOnNodes');
    expect(e.message).not.toContain(token);
  });

  it('a support size below 1 MB is 400 badValueTooLow', async () => {
    const { od, sim } = ctx;
    const spaceId = await od.zone.createSpace({ groupId: sim.info.managerGroupId, name: uniqueName() });
    const storageId = await od.panel.createStorage(posixSpec(uniqueName('st')));
    const token = await od.zone.createSupportToken(spaceId, { ttlSeconds: 120 });
    const e = await failure(od.panel.supportSpace({ token, size: 1000, storageId }));
    expect(e).toMatchObject({ status: 400, id: 'badValueTooLow', key: 'size', wrappedIn: 'errorOnNodes' });
    expect(e.details?.['limit']).toBe(1_000_000);
    expect(isPermanent(e)).toBe(true);
  });

  it('an invalid support token is 400 badValueToken', async () => {
    const { od } = ctx;
    const storageId = await od.panel.createStorage(posixSpec(uniqueName('st')));
    const e = await failure(od.panel.supportSpace({ token: 'garbage-token-value-xyz', size: 10_000_000, storageId }));
    expect(e).toMatchObject({ status: 400, id: 'badValueToken', wrappedIn: 'errorOnNodes' });
    expect(isPermanent(e)).toBe(true);
    expect(e.message).not.toContain('garbage-token-value-xyz');
  });

  it('a storage that supports a space cannot be deleted: 400 storageInUse', async () => {
    const { od, sim } = ctx;
    const { storageId } = await supportedSpace(od, sim);
    const e = await failure(od.panel.deleteStorage(storageId));
    expect(e).toMatchObject({ status: 400, id: 'storageInUse', wrappedIn: 'errorOnNodes' });
  });

  it('the initial scan starts by itself: force-start right after support is 409 → alreadyRunning; later it starts', async () => {
    const { od, sim } = ctx;
    sim.configure({ scanDurationMs: 300 });
    const { spaceId } = await supportedSpace(od, sim);
    expect(await od.panel.forceStartImport(spaceId)).toBe('alreadyRunning');
    const fs = sim.requests().filter((r) => r.path.endsWith('/force-start'));
    // Onepanel wraps the action's error; the client classified it by the inner alreadyExists.
    expect(fs.at(-1)).toMatchObject({ status: 409, errorId: 'errorOnNodes' });
    const info = await poll(
      async () => {
        const i = await od.panel.getImportInfo(spaceId);
        return i.status === 'completed' ? i : undefined;
      },
      { deadlineMs: 5000, initialDelayMs: 50, maxDelayMs: 100, description: 'initial scan to complete' },
    );
    expect(info.totalScans).toBeGreaterThanOrEqual(1);
    expect(await od.panel.forceStartImport(spaceId)).toBe('started');
    // The product client has no force-stop (production never stops a scan); the raw call stops the one just started.
    const stop = await rawPanel().request({ method: 'POST', path: `/provider/spaces/${spaceId}/storage-import/auto/force-stop` });
    expect(stop.status).toBe(204);
  });

  it('force-start in manual mode is 400 requiresAutoStorageImportMode', async () => {
    const { od, sim } = ctx;
    const { spaceId } = await supportedSpace(od, sim, { importMode: 'manual' });
    const e = await failure(od.panel.forceStartImport(spaceId));
    expect(e).toMatchObject({ status: 400, id: 'requiresAutoStorageImportMode' });
  });

  it('updates the auto-import configuration', async () => {
    const { od, sim } = ctx;
    const { spaceId } = await supportedSpace(od, sim);
    await od.panel.updateSpaceSupport(spaceId, { autoStorageImportConfig: { continuousScan: true, scanInterval: 3600 } });
    const cfg = (await od.panel.getSpaceSupport(spaceId)).storageImport?.autoStorageImportConfig;
    expect(cfg).toMatchObject({ continuousScan: true, scanInterval: 3600 });
  });
});
