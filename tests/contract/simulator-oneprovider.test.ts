import { describe, expect, it } from 'vitest';
import type { RunningSim } from '../../infra/local/onedata-sim/index.ts';
import { buildObjectId, decodeFileId, parseObjectId } from '../../infra/local/onedata-sim/ids.ts';
import { createSpace, createStorage, errorOf, importedPosix, lastSegment, provision, useFreshSim, until, type Api } from './simulator-helpers.ts';

let sim: RunningSim;
let api: Api;

useFreshSim((s) => ({ sim, api } = s));

async function rootOf(spaceId: string): Promise<string> {
  const r = await api.op('GET', `/spaces/${spaceId}`);
  expect(r.status).toBe(200);
  return r.body.dirId;
}

describe('file ids', () => {
  it('are CDMI ObjectIds with the ctool CRC (matching the spec example)', () => {
    const example = buildObjectId('guid#t_w-ghd1c7eDoMvTmo-gW_3aszvpHkGzy6Xw4PreXJw#9JO5__9nL1b01YEvwnft1r20gwgwlkIp19ND_n8hgxs');
    expect(example.startsWith('00000000005CF470')).toBe(true);
    expect(parseObjectId(example.replace(/.$/, '0'))).toBeNull();
  });
});

describe('Oneprovider spaces and files', () => {
  it('serves configuration without a token', async () => {
    const r = await api.op('GET', '/configuration', undefined, { token: null });
    expect(r.body).toMatchObject({ providerId: sim.info.providerIds[0], version: '21.02.7', onezoneDomain: sim.info.zoneDomain });
  });

  it('answers 403 userNotSupported before the user has any supported space', async () => {
    const spaceId = await createSpace(api);
    const r = await api.op('GET', `/spaces/${spaceId}`);
    expect(r.status).toBe(403);
    expect(errorOf(r).id).toBe('userNotSupported');
  });

  it('returns the space with dirId = space root ObjectId', async () => {
    const { spaceId } = await provision(api);
    const r = await api.op('GET', `/spaces/${spaceId}`);
    expect(r.body).toMatchObject({ spaceId, name: 'dataset_1', providers: [{ providerId: sim.info.providerIds[0], providerName: 'sim-provider-1' }] });
    expect(r.body.fileId).toBe(r.body.dirId);
    expect(r.body.dirId).toMatch(/^0000000000[0-9A-F]+$/);
    expect(decodeFileId(r.body.dirId)).toEqual({ uuid: `space_${spaceId}`, spaceId });
    const list = await api.op('GET', '/spaces');
    expect(list.body.map((s: { spaceId: string }) => s.spaceId)).toEqual([spaceId]);
  });

  it('GET /spaces lists every space of the user, supported here or not (listed never means supported)', async () => {
    // Guards the list's filter (op-worker lists the user's spaces whatever their support; the
    // spec: "List all user spaces"). With the old filter on local support, `other` was missing.
    const { spaceId } = await provision(api);
    const other = await createSpace(api, 'other');
    const list = await api.op('GET', '/spaces');
    expect(list.status).toBe(200);
    expect(list.body.map((s: { spaceId: string }) => s.spaceId).sort()).toEqual([spaceId, other].sort());
    const listed = list.body.find((s: { spaceId: string }) => s.spaceId === other);
    expect(listed).toMatchObject({ name: 'other', dirId: expect.stringMatching(/^0000000000[0-9A-F]+$/) });
    // Asked for on its own, the unsupported one is still 400 spaceNotSupportedBy (below).
    expect((await api.op('GET', `/spaces/${other}`)).status).toBe(400);
  });

  it('answers spaceNotSupportedBy for an unsupported space or a malformed path id', async () => {
    await provision(api);
    const other = await createSpace(api, 'other');
    const r = await api.op('GET', `/spaces/${other}`);
    expect(r.status).toBe(400);
    expect(errorOf(r)).toMatchObject({ id: 'spaceNotSupportedBy', details: { spaceId: other, providerId: sim.info.providerIds[0] } });
    const typo = await api.op('GET', '/data/not-an-id');
    expect(errorOf(typo)).toMatchObject({ id: 'spaceNotSupportedBy', details: { spaceId: 'not-an-id' } });
  });

  it('returns attributes of the space root (by ObjectId and by space id) and 400 posix/enoent for a missing file', async () => {
    const { spaceId } = await provision(api);
    const dirId = await rootOf(spaceId);
    const r = await api.op('GET', `/data/${dirId}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ fileId: dirId, file_id: dirId, name: 'dataset_1', type: 'DIR', parentFileId: null, size: 0 });
    expect(r.body.posixPermissions).toBe(r.body.mode);
    const bySpace = await api.op('GET', `/data/${spaceId}?attributes=name&attributes=type`);
    expect(bySpace.body).toEqual({ name: 'dataset_1', type: 'DIR' });
    const ghost = buildObjectId(`guid#${'f'.repeat(32)}#${spaceId}`);
    const missing = await api.op('GET', `/data/${ghost}`);
    expect(missing.status).toBe(400);
    expect(errorOf(missing)).toMatchObject({ id: 'posix', details: { errno: 'enoent' } });
    const badAttr = await api.op('GET', `/data/${dirId}?attributes=colour`);
    expect(errorOf(badAttr).id).toBe('badValueListNotAllowed');
  });

  it('stores JSON metadata (PUT replaces, GET returns, keypath filter, enodata before)', async () => {
    const { spaceId } = await provision(api);
    const dirId = await rootOf(spaceId);
    const before = await api.op('GET', `/data/${dirId}/metadata/json`);
    expect(errorOf(before)).toMatchObject({ id: 'posix', details: { errno: 'enodata' } });
    const doc = { title: 'Dataset 1', creators: [{ name: 'A' }] };
    const put = await api.op('PUT', `/data/${dirId}/metadata/json`, doc);
    expect(put.status).toBe(204);
    expect((await api.op('GET', `/data/${dirId}/metadata/json`)).body).toEqual(doc);
    expect((await api.op('GET', `/data/${dirId}/metadata/json?filter_type=keypath&filter=creators.[0].name`)).body).toBe('A');
    await api.op('PUT', `/data/${dirId}/metadata/json`, { replaced: true });
    expect((await api.op('GET', `/data/${dirId}/metadata/json`)).body).toEqual({ replaced: true });
    expect((await api.op('GET', `/data/${dirId}`)).status).toBe(200);
    const state = sim.state() as { jsonMetadata: unknown[]; counts: { jsonMetadata: number } };
    expect(state.counts.jsonMetadata).toBe(1);
    const malformed = await api.op('PUT', `/data/${dirId}/metadata/json`, undefined, { raw: '{oops', headers: { 'content-type': 'application/json' } });
    expect(errorOf(malformed).id).toBe('malformedData');
  });
});

describe('file registration', () => {
  const register = (spaceId: string, storageId: string, extra: Record<string, unknown> = {}) =>
    api.op('POST', '/data/register', { spaceId, storageId, storageFileId: '/raw/a.dat', destinationPath: '/raw/a.dat', size: 42, ...extra });

  it('registers a file (201, Location, {fileId}) and updates it on re-registration', async () => {
    const { spaceId, storageId } = await provision(api, { mode: 'manual' });
    const first = await register(spaceId, storageId, { xattrs: { checksum: 'abc' } });
    expect(first.status).toBe(201);
    expect(first.headers.get('location')).toBe(`${sim.info.providers[0]?.url}/api/v3/oneprovider/data/${first.body.fileId}`);
    expect(decodeFileId(first.body.fileId)?.spaceId).toBe(spaceId);
    const again = await register(spaceId, storageId, { size: 100 });
    expect(again.status).toBe(201);
    expect(again.body.fileId).toBe(first.body.fileId);
    const attrs = await api.op('GET', `/data/${first.body.fileId}?attributes=size&attributes=name&attributes=path`);
    expect(attrs.body).toEqual({ size: 100, name: 'a.dat', path: '/dataset_1/raw/a.dat' });
    const state = sim.state() as { registrations: { count: number }[] };
    expect(state.registrations).toHaveLength(1);
    expect(state.registrations[0]?.count).toBe(2);
  });

  it('requires manual import on the storage that supports the space', async () => {
    const auto = await provision(api, { name: 'auto_ds' });
    const autoReply = await register(auto.spaceId, auto.storageId);
    expect(autoReply.status).toBe(400);
    expect(errorOf(autoReply).id).toBe('requiresManualStorageImportMode');
    const manual = await provision(api, { name: 'manual_ds', mode: 'manual' });
    const otherStorage = await createStorage(api, 'unrelated', importedPosix('unrelated'));
    const wrong = await register(manual.spaceId, otherStorage);
    expect(errorOf(wrong)).toMatchObject({
      id: 'notALocalStorageSupportingSpace',
      details: { storageId: otherStorage, spaceId: manual.spaceId, providerId: sim.info.providerIds[0] },
    });
    const missing = await api.op('POST', '/data/register', { spaceId: manual.spaceId, storageId: manual.storageId, destinationPath: '/x' });
    expect(errorOf(missing)).toMatchObject({ id: 'missingRequiredValue', details: { key: 'storageFileId' } });
    const uid = await register(manual.spaceId, manual.storageId, { uid: '1000' });
    expect(errorOf(uid)).toMatchObject({ id: 'badValueInteger', details: { key: 'uid' } });
  });
});

describe('shares', () => {
  it('creates a share of the space root: 201, Location, {shareId}; GET/PATCH/DELETE', async () => {
    const { spaceId } = await provision(api);
    const dirId = await rootOf(spaceId);
    const r = await api.op('POST', '/shares', { name: 'dataset_1', description: '', rootFileId: dirId, fileType: 'dir' });
    expect(r.status).toBe(201);
    const shareId = r.body.shareId;
    expect(r.headers.get('location')).toBe(`${sim.info.providers[0]?.url}/api/v3/oneprovider/shares/${shareId}`);
    const get = await api.op('GET', `/shares/${shareId}`);
    expect(get.body).toMatchObject({
      shareId,
      name: 'dataset_1',
      description: '',
      spaceId,
      rootFileType: 'DIR',
      handleId: null,
      publicUrl: `https://${sim.info.zoneDomain}/share/${shareId}`,
      publicRestUrl: `https://${sim.info.zoneDomain}/api/v3/onezone/shares/${shareId}/public`,
    });
    expect(decodeFileId(get.body.rootFileId)).toMatchObject({ spaceId, shareId });
    expect((await api.oz('GET', `/spaces/${spaceId}/shares`)).body.shares).toEqual([shareId]);
    expect((await api.oz('GET', `/shares/${shareId}`)).body).toMatchObject({ fileType: 'dir', spaceId });
    expect((await api.op('PATCH', `/shares/${shareId}`, { description: '# Dataset' })).status).toBe(204);
    expect((await api.oz('GET', `/shares/${shareId}/public`, undefined, { token: null })).body.description).toBe('# Dataset');
    expect((await api.op('DELETE', `/shares/${shareId}`)).status).toBe(204);
    expect((await api.op('GET', `/shares/${shareId}`)).status).toBe(404);
  });

  it('accepts the deprecated fileId and validates the request', async () => {
    const { spaceId } = await provision(api);
    const dirId = await rootOf(spaceId);
    expect((await api.op('POST', '/shares', { name: 'legacy', fileId: dirId })).status).toBe(201);
    const malformed = await api.op('POST', '/shares', { name: 'x1', rootFileId: 'zzz' });
    expect(malformed.status).toBe(400);
    expect(errorOf(malformed)).toMatchObject({ id: 'badValueIdentifier', details: { key: 'rootFileId' } });
    expect(errorOf(await api.op('POST', '/shares', { rootFileId: dirId }))).toMatchObject({ id: 'missingRequiredValue', details: { key: 'name' } });
    expect(errorOf(await api.op('POST', '/shares', { name: 'x2' }))).toMatchObject({ id: 'missingRequiredValue', details: { key: 'rootFileId' } });
    expect(errorOf(await api.op('POST', '/shares', { name: 'bad:name', rootFileId: dirId })).id).toBe('badValueName');
    expect(errorOf(await api.op('POST', '/shares', { name: '', rootFileId: dirId })).id).toBe('badValueEmpty');
    expect(errorOf(await api.op('PATCH', '/shares/none', {})).id).toBe('notFound');
    // PATCH as POST: Oneprovider checks non_empty itself, Onezone the name rule.
    const shareId = lastSegment((await api.op('POST', '/shares', { name: 'named', rootFileId: dirId })).headers.get('location'));
    expect(errorOf(await api.op('PATCH', `/shares/${shareId}`, { name: '' }))).toMatchObject({ id: 'badValueEmpty', details: { key: 'name' } });
    expect(errorOf(await api.op('PATCH', `/shares/${shareId}`, { name: 'bad:name' })).id).toBe('badValueName');
  });
});

describe('QoS and transfers', () => {
  it('adds a QoS requirement (201, Location, {qosRequirementId}) and reports its status', async () => {
    const { spaceId } = await provision(api);
    const dirId = await rootOf(spaceId);
    const r = await api.op('POST', '/qos_requirements', { fileId: dirId, expression: 'anyStorage', replicasNum: 1 });
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toMatch(/\/api\/v3\/oneprovider\/qos_requirements\/[0-9a-f]{32}$/);
    const get = await api.op('GET', `/qos_requirements/${r.body.qosRequirementId}`);
    expect(get.body).toMatchObject({ fileId: dirId, expression: 'anyStorage', replicasNum: 1, status: 'fulfilled' });
    const two = await api.op('POST', '/qos_requirements', { fileId: dirId, expression: 'anyStorage', replicasNum: 2 });
    expect((await api.op('GET', `/qos_requirements/${two.body.qosRequirementId}`)).body.status).toBe('impossible');
    const bad = await api.op('POST', '/qos_requirements', { fileId: dirId, expression: 'country=' });
    expect(errorOf(bad).id).toBe('invalidQosExpression');
    const summary = await api.op('GET', `/data/${dirId}/qos/summary`);
    expect(Object.keys(summary.body.requirements)).toHaveLength(2);
  });

  it('schedules a replication transfer that completes', async () => {
    const { spaceId } = await provision(api);
    const dirId = await rootOf(spaceId);
    const r = await api.op('POST', '/transfers', {
      type: 'replication',
      replicatingProviderId: sim.info.providerIds[0],
      dataSourceType: 'file',
      fileId: dirId,
    });
    expect(r.status).toBe(201);
    const transferId = r.body.transferId;
    expect(lastSegment(r.headers.get('location'))).toBe(transferId);
    await until(async () => (await api.op('GET', `/transfers/${transferId}`)).body.transferStatus === 'completed');
    const done = await api.op('GET', `/transfers/${transferId}`);
    expect(done.body).toMatchObject({ type: 'replication', spaceId, replicationStatus: 'completed', evictionStatus: 'skipped', fileId: dirId });
    const missing = await api.op('POST', '/transfers', { type: 'replication', dataSourceType: 'file', fileId: dirId });
    expect(errorOf(missing)).toMatchObject({ id: 'missingRequiredValue', details: { key: 'replicatingProviderId' } });
    const wrongProvider = await api.op('POST', '/transfers', { type: 'replication', replicatingProviderId: 'nope', dataSourceType: 'file', fileId: dirId });
    expect(errorOf(wrongProvider).id).toBe('spaceNotSupportedBy');
  });
});
