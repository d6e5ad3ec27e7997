import { describe, expect, it } from 'vitest';
import type { RunningSim } from '../../infra/local/onedata-sim/index.ts';
import {
  actionErrorOf,
  createSpace,
  createStorage,
  errorOf,
  importedPosix,
  importedS3,
  nowS,
  provision,
  useFreshSim,
  supportToken,
  until,
  type Api,
} from './simulator-helpers.ts';

let sim: RunningSim;
let api: Api;

useFreshSim((s) => ({ sim, api } = s), { scanDurationMs: 60 });

async function limitedToken(clusterPrivileges: string[] | undefined): Promise<string> {
  const body = clusterPrivileges === undefined ? {} : { clusterPrivileges };
  const r = await fetch(`${sim.url}/_sim/tokens`, { method: 'POST', body: JSON.stringify(body) });
  return ((await r.json()) as { token: string }).token;
}

describe('Onepanel configuration', () => {
  it('serves configuration and health without a token', async () => {
    const conf = await api.panel('GET', '/configuration', undefined, { token: null });
    expect(conf.status).toBe(200);
    expect(conf.body).toMatchObject({
      version: '21.02.7',
      deployed: true,
      serviceType: 'oneprovider',
      providerId: sim.info.providerIds[0],
      zoneDomain: sim.info.zoneDomain,
      isRegistered: true,
    });
    expect((await api.panel('GET', '/health', undefined, { token: null })).status).toBe(200);
  });
});

describe('Onepanel storages', () => {
  it('creates a POSIX storage: 200 {name: {id}}', async () => {
    const r = await api.panel('POST', '/provider/storages', { ds1: importedPosix('ds1') });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ ds1: { id: expect.stringMatching(/^[0-9a-f]{32}$/) } });
    const get = await api.panel('GET', `/provider/storages/${r.body.ds1.id}`);
    expect(get.body).toMatchObject({
      id: r.body.ds1.id,
      name: 'ds1',
      type: 'posix',
      mountPoint: '/volumes/datasets/ds1',
      importedStorage: true,
      readonly: true,
      storagePathType: 'canonical',
    });
    expect((await api.panel('GET', '/provider/storages')).body.ids).toEqual([r.body.ds1.id]);
  });

  it('creates an imported S3 storage with canonical paths and blockSize 0; never returns the secret', async () => {
    const r = await api.panel('POST', '/provider/storages', { bucket: importedS3('ds-bucket') });
    expect(r.status).toBe(200);
    const get = await api.panel('GET', `/provider/storages/${r.body.bucket.id}`);
    expect(get.body).toMatchObject({ type: 's3', bucketName: 'ds-bucket', blockSize: 0, storagePathType: 'canonical', signatureVersion: 4 });
    expect(get.text).not.toContain('SK');
    expect(get.body.secretKey).toBeUndefined();
  });

  it('reports per-storage failures in a 400 map and still creates the good ones', async () => {
    const r = await api.panel('POST', '/provider/storages', {
      flat: { ...importedS3('b1'), storagePathType: 'flat' },
      blocks: { ...importedS3('b2'), blockSize: 10485760 },
      ro: { type: 'posix', mountPoint: '/mnt/x', readonly: true },
      good: importedPosix('good'),
    });
    expect(r.status).toBe(400);
    expect(r.body.flat.error).toMatchObject({ id: 'storageImportNotSupported' });
    expect(r.body.blocks.error.id).toBe('storageImportNotSupported');
    expect(r.body.ro.error).toMatchObject({ id: 'requiresImportedStorage' });
    expect(r.body.good).toEqual({ id: expect.any(String) });
    expect((await api.panel('GET', '/provider/storages')).body.ids).toEqual([r.body.good.id]);
  });

  it('rejects a bad request as a whole with the storage name in the key', async () => {
    const missing = await api.panel('POST', '/provider/storages', { s1: { type: 'posix' } });
    expect(missing.status).toBe(400);
    expect(errorOf(missing)).toMatchObject({ id: 'missingRequiredValue', details: { key: 's1.mountPoint' } });
    const host = await api.panel('POST', '/provider/storages', { s2: { ...importedS3('b'), hostname: 's3.example.org' } });
    expect(errorOf(host)).toMatchObject({ id: 'badData', details: { key: 's2.hostname' } });
    const type = await api.panel('POST', '/provider/storages', { s3x: { type: 'tape' } });
    expect(errorOf(type)).toMatchObject({ id: 'badValueNotAllowed', details: { key: 's3x.type' } });
    const wrong = await api.panel('POST', '/provider/storages', { s4: { ...importedS3('b'), blockSize: 'zero' } });
    expect(errorOf(wrong)).toMatchObject({ id: 'badValueInteger', details: { key: 's4.blockSize' } });
    expect((await api.panel('GET', '/provider/storages')).body.ids).toEqual([]);
  });

  it('applies the name rules to storage names', async () => {
    const r = await api.panel('POST', '/provider/storages', { 'bad@name': importedPosix('x') });
    expect(r.status).toBe(400);
    expect(r.body['bad@name'].error.id).toBe('badValueName');
  });

  it('needs cluster_update to create and cluster membership to read', async () => {
    const viewer = await limitedToken(['cluster_view']);
    const create = await api.panel('POST', '/provider/storages', { s: importedPosix('s') }, { token: viewer });
    expect(create.status).toBe(403);
    expect(errorOf(create).id).toBe('forbidden');
    expect((await api.panel('GET', '/provider/storages', undefined, { token: viewer })).status).toBe(200);
    const stranger = await limitedToken(undefined);
    expect((await api.panel('GET', '/provider/storages', undefined, { token: stranger })).status).toBe(403);
    expect((await api.panel('GET', '/provider/storages', undefined, { token: null })).status).toBe(401);
  });

  it('deletes an unused storage (204), refuses one in use (400 errorOnNodes(storageInUse)), 404 for unknown', async () => {
    const { storageId } = await provision(api);
    const inUse = await api.panel('DELETE', `/provider/storages/${storageId}`);
    expect(inUse.status).toBe(400);
    expect(actionErrorOf(inUse).id).toBe('storageInUse');
    const free = await createStorage(api, 'free', importedPosix('free'));
    expect((await api.panel('DELETE', `/provider/storages/${free}`)).status).toBe(204);
    expect((await api.panel('DELETE', `/provider/storages/${free}`)).status).toBe(404);
  });
});

describe('Onepanel space support', () => {
  it('supports a space: 201, Location path, body {id}; Onezone shows the provider', async () => {
    const spaceId = await createSpace(api);
    const token = await supportToken(api, spaceId);
    const storageId = await createStorage(api, 'st', importedPosix('st'));
    const r = await api.panel('POST', '/provider/spaces', {
      token,
      size: 10_995_116_277_760,
      storageId,
      storageImport: { mode: 'auto', autoStorageImportConfig: { continuousScan: false, detectDeletions: true } },
    });
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toBe(`/api/v3/onepanel/provider/spaces/${spaceId}`);
    expect(r.body).toEqual({ id: spaceId });
    const zone = await api.oz('GET', `/spaces/${spaceId}`);
    expect(zone.body.providers).toEqual({ [sim.info.providerIds[0] as string]: 10_995_116_277_760 });
    const details = await api.panel('GET', `/provider/spaces/${spaceId}`);
    expect(details.body).toMatchObject({
      id: spaceId,
      name: 'dataset_1',
      storageId,
      localStorages: [storageId],
      importedStorage: true,
      storageImport: { mode: 'auto', autoStorageImportConfig: { maxDepth: 65535, continuousScan: false, scanInterval: 60 } },
      accountingEnabled: false,
      dirStatsServiceEnabled: true,
      spaceOccupancy: 0,
    });
    expect((await api.panel('GET', '/provider/spaces')).body.ids).toEqual([spaceId]);
  });

  it('validates size and token', async () => {
    const spaceId = await createSpace(api);
    const storageId = await createStorage(api, 'st', importedPosix('st'));
    const token = await supportToken(api, spaceId);
    const small = await api.panel('POST', '/provider/spaces', { token, size: 999_999, storageId });
    expect(small.status).toBe(400);
    expect(actionErrorOf(small)).toMatchObject({ id: 'badValueTooLow', details: { key: 'size', limit: 1_000_000 } });
    const missing = await api.panel('POST', '/provider/spaces', { token, storageId });
    expect(errorOf(missing)).toMatchObject({ id: 'missingRequiredValue', details: { key: 'size' } });
    const garbage = await api.panel('POST', '/provider/spaces', { token: 'garbage', size: 2_000_000, storageId });
    expect(actionErrorOf(garbage)).toMatchObject({ id: 'badValueToken', details: { key: 'token', tokenError: { id: 'badToken' } } });
    const access = await api.panel('POST', '/provider/spaces', { token: sim.info.token, size: 2_000_000, storageId });
    expect(actionErrorOf(access).details.tokenError).toMatchObject({ id: 'notAnInviteToken', details: { expectedInviteType: 'supportSpace' } });
    const expiredToken = await api.oz('POST', '/user/tokens/temporary', {
      type: { inviteToken: { inviteType: 'supportSpace', spaceId } },
      caveats: [{ type: 'time', validUntil: nowS() - 5 }],
    });
    const expired = await api.panel('POST', '/provider/spaces', { token: expiredToken.body.token, size: 2_000_000, storageId });
    expect(actionErrorOf(expired).details.tokenError).toMatchObject({ id: 'tokenCaveatUnverified', details: { caveat: { type: 'time' } } });
    const unknownStorage = await api.panel('POST', '/provider/spaces', { token, size: 2_000_000, storageId: 'nope' });
    expect(unknownStorage.status).toBe(400);
    expect(actionErrorOf(unknownStorage)).toMatchObject({ id: 'badValueIdNotFound', details: { key: 'storageId' } });
    const badMode = await api.panel('POST', '/provider/spaces', { token, size: 2_000_000, storageId, storageImport: { mode: 'sometimes' } });
    expect(errorOf(badMode)).toMatchObject({ id: 'badValueNotAllowed', details: { key: 'storageImport.mode' } });
  });

  it('answers 409 relationAlreadyExists for a second support and storageInUse for a reused imported storage', async () => {
    const { spaceId, storageId } = await provision(api);
    const token = await supportToken(api, spaceId);
    const other = await createStorage(api, 'other', importedPosix('other'));
    const again = await api.panel('POST', '/provider/spaces', { token, size: 2_000_000, storageId: other });
    expect(again.status).toBe(409);
    expect(actionErrorOf(again)).toMatchObject({
      id: 'relationAlreadyExists',
      details: { childType: 'space', childId: spaceId, parentType: 'provider', parentId: sim.info.providerIds[0] },
    });
    const second = await createSpace(api, 'dataset_2');
    const reuse = await api.panel('POST', '/provider/spaces', { token: await supportToken(api, second), size: 2_000_000, storageId });
    expect(reuse.status).toBe(400);
    expect(actionErrorOf(reuse).id).toBe('storageInUse');
  });

  it('fails support with a named support token whose usage limit is used up', async () => {
    const spaceId = await createSpace(api);
    const named = await api.oz('POST', '/user/tokens/named', {
      name: 'support-once',
      type: { inviteToken: { inviteType: 'supportSpace', spaceId } },
      usageLimit: 1,
    });
    const s1 = await createStorage(api, 's1', { type: 'posix', mountPoint: '/mnt/s1' });
    expect((await api.panel('POST', '/provider/spaces', { token: named.body.token, size: 2_000_000, storageId: s1 })).status).toBe(201);
    const reused = await api.panel('POST', '/provider/spaces', { token: named.body.token, size: 2_000_000, storageId: s1 });
    expect(reused.status).toBe(400);
    expect(actionErrorOf(reused).details.tokenError.id).toBe('inviteTokenUsageLimitReached');
    expect((await api.oz('GET', `/tokens/named/${named.body.tokenId}`)).body.metadata.usageCount).toBe(1);
  });

  it('resizes, reconfigures and revokes a support', async () => {
    const { spaceId } = await provision(api);
    expect((await api.panel('PATCH', `/provider/spaces/${spaceId}`, { size: 5_000_000 })).status).toBe(204);
    expect((await api.oz('GET', `/spaces/${spaceId}`)).body.providers[sim.info.providerIds[0] as string]).toBe(5_000_000);
    const tooSmall = await api.panel('PATCH', `/provider/spaces/${spaceId}`, { size: 10 });
    expect(actionErrorOf(tooSmall)).toMatchObject({ id: 'badValueTooLow', details: { key: 'size' } });
    const empty = await api.panel('PATCH', `/provider/spaces/${spaceId}`, {});
    expect(errorOf(empty).id).toBe('missingAtLeastOneValue');
    const patch = await api.panel('PATCH', `/provider/spaces/${spaceId}`, { autoStorageImportConfig: { continuousScan: true, scanInterval: 3600 } });
    expect(patch.status).toBe(204);
    const details = await api.panel('GET', `/provider/spaces/${spaceId}`);
    expect(details.body.storageImport.autoStorageImportConfig).toMatchObject({ continuousScan: true, scanInterval: 3600 });
    expect((await api.panel('DELETE', `/provider/spaces/${spaceId}`)).status).toBe(204);
    const gone = await api.panel('GET', `/provider/spaces/${spaceId}`);
    expect(gone.status).toBe(404);
    expect(actionErrorOf(gone).id).toBe('notFound');
    expect((await api.oz('GET', `/spaces/${spaceId}`)).body.providers).toEqual({});
  });

  it('ignores storageImport for a non-imported storage and then has no import info', async () => {
    const spaceId = await createSpace(api);
    const storageId = await createStorage(api, 'plain', { type: 'posix', mountPoint: '/mnt/plain' });
    const r = await api.panel('POST', '/provider/spaces', {
      token: await supportToken(api, spaceId),
      size: 2_000_000,
      storageId,
      storageImport: { mode: 'auto' },
    });
    expect(r.status).toBe(201);
    expect((await api.panel('GET', `/provider/spaces/${spaceId}`)).body.storageImport).toBeUndefined();
    const start = await api.panel('POST', `/provider/spaces/${spaceId}/storage-import/auto/force-start`);
    expect(actionErrorOf(start)).toMatchObject({ id: 'requiresImportedStorage', details: { storageId } });
  });
});

describe('storage import', () => {
  async function setContent(storageId: string, objects: Record<string, { size: number; mtime?: number; deleted?: boolean }>): Promise<void> {
    const r = await fetch(`${sim.url}/_sim/storage-content`, { method: 'POST', body: JSON.stringify({ storageId, objects }) });
    expect(r.status).toBe(200);
  }

  it('runs the initial scan automatically; force-start answers 409 while it runs, 204 after', async () => {
    sim.configure({ scanDurationMs: 60_000 });
    const { spaceId } = await provision(api);
    const info = async () => (await api.panel('GET', `/provider/spaces/${spaceId}/storage-import/auto/info`)).body;
    expect(await info()).toMatchObject({ status: 'running', totalScans: 1 });
    const conflict = await api.panel('POST', `/provider/spaces/${spaceId}/storage-import/auto/force-start`);
    expect(conflict.status).toBe(409);
    expect(actionErrorOf(conflict).id).toBe('alreadyExists');
    expect((await api.panel('POST', `/provider/spaces/${spaceId}/storage-import/auto/force-stop`)).status).toBe(204);
    await until(async () => (await info()).status === 'aborted');
    sim.configure({ scanDurationMs: 20 });
    expect((await api.panel('POST', `/provider/spaces/${spaceId}/storage-import/auto/force-start`)).status).toBe(204);
    await until(async () => (await info()).status === 'completed');
    const done = await info();
    expect(Object.keys(done)).toEqual(
      expect.arrayContaining(['status', 'start', 'stop', 'createdFiles', 'modifiedFiles', 'deletedFiles', 'unmodifiedFiles', 'failedFiles', 'totalScans']),
    );
    expect(done.totalScans).toBe(2);
    expect(done.stop).toBeGreaterThanOrEqual(done.start);
    expect((await api.panel('POST', `/provider/spaces/${spaceId}/storage-import/auto/force-start`)).status).toBe(204);
  });

  it('counts created, modified and deleted files against the storage content', async () => {
    const spaceId = await createSpace(api);
    const storageId = await createStorage(api, 'st', importedPosix('st'));
    await setContent(storageId, { 'a.txt': { size: 10, mtime: 1000 }, 'dir/b.txt': { size: 20, mtime: 1000 } });
    await api.panel('POST', '/provider/spaces', { token: await supportToken(api, spaceId), size: 2_000_000, storageId });
    const info = async () => (await api.panel('GET', `/provider/spaces/${spaceId}/storage-import/auto/info`)).body;
    await until(async () => (await info()).status === 'completed');
    expect(await info()).toMatchObject({ createdFiles: 3, modifiedFiles: 0, deletedFiles: 0 });
    expect((await api.panel('GET', `/provider/spaces/${spaceId}`)).body.spaceOccupancy).toBe(30);
    await setContent(storageId, { 'a.txt': { size: 11, mtime: 2000 }, 'c.txt': { size: 1 } });
    expect((await api.panel('POST', `/provider/spaces/${spaceId}/storage-import/auto/force-start`)).status).toBe(204);
    await until(async () => (await info()).status === 'completed');
    expect(await info()).toMatchObject({ createdFiles: 1, modifiedFiles: 1, deletedFiles: 1, totalScans: 2 });
  });

  it('rejects auto-import calls for a manual-import space', async () => {
    const { spaceId, storageId } = await provision(api, { mode: 'manual' });
    const start = await api.panel('POST', `/provider/spaces/${spaceId}/storage-import/auto/force-start`);
    expect(start.status).toBe(400);
    expect(actionErrorOf(start).id).toBe('requiresAutoStorageImportMode');
    expect((await api.panel('GET', `/provider/spaces/${spaceId}/storage-import/auto/info`)).status).toBe(404);
    const example = await api.panel('GET', `/provider/spaces/${spaceId}/storage-import/manual/example`);
    expect(example.body.curl).toContain(storageId);
    expect((await api.panel('GET', `/provider/spaces/${spaceId}`)).body.storageImport).toEqual({ mode: 'manual' });
  });

  it('serves import statistics with the required query parameters', async () => {
    const { spaceId } = await provision(api);
    const base = `/provider/spaces/${spaceId}/storage-import/auto/stats`;
    expect(errorOf(await api.panel('GET', base))).toMatchObject({ id: 'missingRequiredValue', details: { key: 'period' } });
    const bad = await api.panel('GET', `${base}?period=minute&metrics=createdFiles,bogus`);
    expect(errorOf(bad).id).toBe('badValueListNotAllowed');
    const ok = await api.panel('GET', `${base}?period=hour&metrics=createdFiles,queueLength`);
    expect(ok.status).toBe(200);
    expect(Object.keys(ok.body).sort()).toEqual(['createdFiles', 'queueLength']);
    expect(Array.isArray(ok.body.createdFiles.values)).toBe(true);
  });
});
