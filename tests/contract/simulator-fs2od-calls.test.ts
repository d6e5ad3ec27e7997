/**
 * Every REST call of the original tool, fs2od (reference fs2od.md §2.2–§2.4, ids Z1–Z21, P1–P15,
 * O1–O14), sent with fs2od's own paths and bodies, checking what fs2od reads from the answer. The
 * table in docs/onedata-simulator.md maps each id to its simulator route and to the test here.
 */
import { describe, expect, it } from 'vitest';
import type { RunningSim } from '../../infra/local/onedata-sim/index.ts';
import { errorOf, nowS, until, useFreshSim, type Api, type Json } from './simulator-helpers.ts';

let sim: RunningSim;
let api: Api;

useFreshSim((s) => ({ sim, api } = s), { scanDurationMs: 40 });

const SPACE_PRIVILEGES = ['space_view', 'space_view_privileges', 'space_read_data', 'space_add_support'];

/** fs2od reads created ids as the text after `spaces/` or `children/` in `Location`. */
const after = (location: string | null, marker: string): string => String(location).split(marker)[1] ?? '';

/** A token of a Onezone admin (fs2od's `--of_provider` needs one). */
async function adminToken(ozPrivileges: string[]): Promise<string> {
  const r = await fetch(`${sim.url}/_sim/tokens`, { method: 'POST', body: JSON.stringify({ ozPrivileges }) });
  return ((await r.json()) as { token: string }).token;
}

/** fs2od's register_space pipeline up to the support: Z1, Z2, O1, O2. */
async function registerSpace(name: string): Promise<{ spaceId: string; storageId: string }> {
  const space = await api.oz('POST', `/groups/${sim.info.managerGroupId}/spaces`, { name });
  expect(space.status, 'Z1').toBe(201);
  const spaceId = after(space.headers.get('location'), 'spaces/');
  const token = await api.oz('POST', '/user/tokens/temporary', {
    type: { inviteToken: { inviteType: 'supportSpace', spaceId } },
    caveats: [{ type: 'time', validUntil: nowS() + 120 }],
  });
  expect(token.body.token, 'Z2').toEqual(expect.any(String));
  const storage = await api.panel('POST', '/provider/storages', {
    [name]: { type: 'posix', importedStorage: true, readonly: true, mountPoint: `/volume/datasets/${name}` },
  });
  expect(storage.status, 'O1 needs exactly 200').toBe(200);
  const storageId = storage.body[name].id;
  const support = await api.panel('POST', '/provider/spaces', {
    token: token.body.token,
    size: 10_995_116_277_760,
    storageId,
    storageImport: { mode: 'auto', autoStorageImportConfig: { continuousScan: false, scanInterval: 60, detectModifications: true, detectDeletions: true } },
  });
  expect(support.body.id, 'O2').toBe(spaceId);
  return { spaceId, storageId };
}

describe('fs2od test connection (Z17, Z18, P15, P1)', () => {
  it('configuration has build without a token; /user and /spaces answer with the token', async () => {
    expect((await api.oz('GET', '/configuration', undefined, { token: null })).body.build, 'Z17').toEqual(expect.any(String));
    const user = await api.oz('GET', '/user');
    expect(user.status, 'Z18').toBe(200);
    expect(user.body.error, 'Z18').toBeUndefined();
    const conf = await api.op('GET', '/configuration', undefined, { token: null });
    expect(conf.body, 'P15').toMatchObject({ build: expect.any(String), providerId: sim.info.providerIds[0] });
    await registerSpace('conn_ds');
    const spaces = await api.op('GET', '/spaces');
    expect(spaces.body, 'P1').toEqual([expect.objectContaining({ spaceId: expect.any(String), name: 'conn_ds' })]);
  });
});

describe('fs2od register_space and what follows it', () => {
  it('Onezone: space, child group, named invite token, group in space (Z1–Z5) and the lookups (Z6, Z7, Z9, Z10, Z12–Z15)', async () => {
    const { spaceId } = await registerSpace('ds_one');
    const group = await api.oz('POST', `/groups/${sim.info.userGroupId}/children`, { name: 'ds_one', type: 'team' });
    expect(group.status, 'Z3').toBe(201);
    const groupId = after(group.headers.get('location'), 'children/');
    const uid = sim.info.serviceUserId;
    // fs2od nests usageLimit inside `type`; the server ignores it there (reference §2.2).
    const invite = await api.oz('POST', `/users/${uid}/tokens/named`, {
      name: 'ds_one',
      type: { inviteToken: { inviteType: 'userJoinGroup', groupId }, usageLimit: 'infinity' },
    });
    expect(invite.body, 'Z4').toMatchObject({ token: expect.any(String), tokenId: expect.any(String) });
    const clash = await api.oz('POST', `/users/${uid}/tokens/named`, { name: 'ds_one', type: { inviteToken: { inviteType: 'userJoinGroup', groupId } } });
    expect(clash.status, 'Z4 name collision').toBe(400);
    expect(errorOf(clash).details.key, 'Z4 fs2od retries on details.key == name').toBe('name');
    const member = await api.oz('PUT', `/spaces/${spaceId}/groups/${groupId}`, { privileges: SPACE_PRIVILEGES });
    expect(member.status, 'Z5').toBeGreaterThanOrEqual(200);
    expect(member.status, 'Z5').toBeLessThan(300);

    expect((await api.oz('GET', `/spaces/${spaceId}/shares`)).body.shares, 'Z6').toEqual([]);
    const space = await api.oz('GET', `/spaces/${spaceId}`);
    expect(space.body, 'Z7').toMatchObject({ name: 'ds_one', providers: { [sim.info.providerIds[0]!]: 10_995_116_277_760 } });
    expect((await api.oz('GET', `/spaces/${spaceId}/groups`)).body.groups, 'Z9').toEqual(expect.arrayContaining([groupId]));
    expect((await api.oz('GET', `/groups/${groupId}`)).body.name, 'Z10').toBe('ds_one');
    expect((await api.oz('GET', '/user/effective_groups')).body.groups, 'Z12').toEqual(expect.arrayContaining([groupId]));
    expect((await api.oz('GET', `/users/${uid}/tokens/named`)).body.tokens, 'Z13').toContain(invite.body.tokenId);
    expect((await api.oz('GET', `/tokens/named/${invite.body.tokenId}`)).body.name, 'Z14').toBe('ds_one');
    expect((await api.oz('GET', `/users/${uid}/tokens/named/name/ds_one`)).body.id, 'Z15').toBe(invite.body.tokenId);
  });

  it('Oneprovider: root id, share, description, metadata, QoS, transfer (P2–P7, P12–P14)', async () => {
    const { spaceId } = await registerSpace('ds_two');
    const space = await api.op('GET', `/spaces/${spaceId}`);
    expect(space.body, 'P2').toMatchObject({ fileId: expect.any(String), name: 'ds_two', providers: [{ providerId: sim.info.providerIds[0] }] });
    const rootId = space.body.fileId;
    const share = await api.op('POST', '/shares', { name: 'ds_two', description: '', fileId: rootId });
    expect(share.body.shareId, 'P3 (legacy fileId key)').toEqual(expect.any(String));
    const got = await api.op('GET', `/shares/${share.body.shareId}`);
    expect(got.body, 'P4').toMatchObject({ publicUrl: expect.stringContaining(share.body.shareId), rootFileId: expect.any(String), name: 'ds_two' });
    expect((await api.op('PATCH', `/shares/${share.body.shareId}`, { description: '# ds_two' })).status, 'P5').toBe(204);
    expect((await api.op('PUT', `/data/${rootId}/metadata/json`, { Onezone: 'x', Space: spaceId })).status, 'P6').toBe(204);
    const qos = await api.op('POST', '/qos_requirements', { expression: 'anyStorage', replicasNum: 1, fileId: rootId });
    expect(qos.body.qosRequirementId, 'P7').toEqual(expect.any(String));
    const transfer = await api.op('POST', '/transfers', {
      type: 'replication',
      replicatingProviderId: sim.info.providerIds[0],
      dataSourceType: 'file',
      fileId: rootId,
    });
    expect(transfer.body.transferId, 'P12').toEqual(expect.any(String));
    expect((await api.op('GET', `/transfers/${transfer.body.transferId}`)).body.replicationStatus, 'P13').toEqual(expect.any(String));
    const list = await api.op('GET', `/spaces/${spaceId}/transfers`);
    expect(list.body, 'P14').toMatchObject({ transfers: expect.any(Array) });
    expect(list.body, 'P14').toHaveProperty('nextPageToken');
  });

  it('permission fix and .fs2od lookup: attributes, listing, mode (P8–P11)', async () => {
    const { spaceId, storageId } = await registerSpace('ds_three');
    await fetch(`${sim.url}/_sim/storage-content`, {
      method: 'POST',
      body: JSON.stringify({ storageId, objects: { '.fs2od': { size: 10 }, 'dir/a.txt': { size: 1 } } }),
    });
    // The automatic first scan may have run before the content was set: one forced scan after it.
    const info = async () => (await api.panel('GET', `/provider/spaces/${spaceId}/storage-import/auto/info`)).body.status;
    await until(async () => (await info()) === 'completed');
    expect((await api.panel('POST', `/provider/spaces/${spaceId}/storage-import/auto/force-start`)).status, 'O3').toBe(204);
    await until(async () => (await info()) === 'completed');
    const rootId = (await api.op('GET', `/spaces/${spaceId}`)).body.fileId;
    const root = await api.op('GET', `/data/${rootId}`);
    expect(String(root.body.type).toLowerCase(), 'P8').toBe('dir');
    expect(root.body.mode, 'P8').toMatch(/^[0-7]{3,4}$/);
    const first = await api.op('GET', `/data/${rootId}/children`);
    expect(
      first.body.children.map((c: Json) => c.file_id),
      'P10',
    ).toEqual([expect.any(String), expect.any(String)]);
    const page = await api.op('GET', `/data/${rootId}/children?attribute=file_id&attribute=name&limit=1000&offset=0`);
    expect(page.body, 'P11').toMatchObject({ isLast: true, children: expect.arrayContaining([{ file_id: expect.any(String), name: '.fs2od' }]) });
    for (const child of first.body.children) expect((await api.op('PUT', `/data/${child.file_id}`, { mode: '775' })).status, 'P9').toBe(204);
    expect((await api.op('GET', `/data/${first.body.children[1].file_id}`)).body.mode, 'P9 then P8').toBe('775');
  });

  it('Onepanel: import control and support changes (O3–O11)', async () => {
    const { spaceId, storageId } = await registerSpace('ds_four');
    const start = await api.panel('POST', `/provider/spaces/${spaceId}/storage-import/auto/force-start`);
    expect([204, 409], 'O3: 2xx = started, 409 = already running').toContain(start.status);
    expect((await api.panel('GET', `/provider/spaces/${spaceId}/storage-import/auto/info`)).body.status, 'O5').toEqual(expect.any(String));
    const stop = await api.panel('POST', `/provider/spaces/${spaceId}/storage-import/auto/force-stop`);
    expect(stop.status, 'O4').toBe(204);
    const details = await api.panel('GET', `/provider/spaces/${spaceId}`);
    expect(details.body, 'O6').toMatchObject({
      importedStorage: true,
      storageImport: { autoStorageImportConfig: { continuousScan: false } },
      spaceOccupancy: 0,
      storageId,
      supportingProviders: { [sim.info.providerIds[0]!]: 10_995_116_277_760 },
    });
    expect((await api.panel('PATCH', `/provider/spaces/${spaceId}`, { size: 20_000_000 })).status, 'O7').toBe(204);
    const o8 = await api.panel('PATCH', `/provider/spaces/${spaceId}`, {
      autoStorageImportConfig: { continuousScan: true, scanInterval: 60, detectModifications: true, detectDeletions: true },
    });
    expect(o8.status, 'O8').toBe(204);
    expect((await api.panel('PATCH', `/provider/spaces/${spaceId}`, { dirStatsServiceEnabled: false })).status, 'O9').toBe(204);
    expect((await api.panel('GET', '/provider/spaces')).body.ids, 'O11').toEqual([spaceId]);
    expect((await api.panel('DELETE', `/provider/spaces/${spaceId}`)).status, 'O10').toBe(204);
    expect((await api.panel('DELETE', `/provider/spaces/${spaceId}`)).status, 'O10: 404 also means done').toBe(404);
  });
});

describe('fs2od rollback and bulk removal (Z8, Z11, Z14, Z16, Z19–Z21, O12–O14)', () => {
  it('finds and deletes what a dataset created, storage last', async () => {
    const { spaceId, storageId } = await registerSpace('ds_gone');
    const group = await api.oz('POST', `/groups/${sim.info.userGroupId}/children`, { name: 'ds_gone', type: 'team' });
    const groupId = after(group.headers.get('location'), 'children/');
    const invite = await api.oz('POST', `/users/${sim.info.serviceUserId}/tokens/named`, {
      name: 'ds_gone',
      type: { inviteToken: { inviteType: 'userJoinGroup', groupId } },
    });

    const pid = sim.info.providerIds[0]!;
    expect((await api.oz('GET', '/providers/')).status, 'Z19 without admin rights: fs2od falls back').toBe(403);
    const admin = await adminToken(['oz_providers_list', 'oz_providers_view', 'oz_providers_list_relationships']);
    expect((await api.oz('GET', '/providers/', undefined, { token: admin })).body.providers, 'Z19').toEqual(sim.info.providerIds);
    expect((await api.oz('GET', `/providers/${pid}`, undefined, { token: admin })).body, 'Z20').toMatchObject({ providerId: pid, domain: expect.any(String) });
    expect((await api.oz('GET', `/providers/${pid}/spaces`, undefined, { token: admin })).body.spaces, 'Z21').toEqual([spaceId]);
    expect((await api.oz('GET', `/providers/${pid}/spaces`)).status, 'Z21 needs admin rights').toBe(403);

    expect((await api.panel('GET', '/provider/storages')).body.ids, 'O12').toContain(storageId);
    expect((await api.panel('GET', `/provider/storages/${storageId}`)).body, 'O13').toMatchObject({
      name: 'ds_gone',
      type: 'posix',
      mountPoint: '/volume/datasets/ds_gone',
    });
    expect((await api.oz('DELETE', `/spaces/${spaceId}`)).status, 'Z8').toBe(204);
    expect((await api.oz('GET', `/spaces/${spaceId}`)).status, 'Z7: 404 = absent').toBe(404);
    expect((await api.oz('DELETE', `/groups/${groupId}`)).status, 'Z11').toBe(204);
    expect((await api.oz('DELETE', `/tokens/named/${invite.body.tokenId}`)).status, 'Z16').toBe(204);
    expect((await api.oz('GET', `/tokens/named/${invite.body.tokenId}`)).status, 'Z14: 404 = absent').toBe(404);
    expect((await api.panel('DELETE', `/provider/storages/${storageId}`)).status, 'O14').toBe(204);
    expect((await api.panel('GET', `/provider/storages/${storageId}`)).status, 'O13: 404 = absent').toBe(404);
  });
});

describe('P2: 403 is read as "space gone"', () => {
  it('a space the user cannot see answers 403 (userNotSupported) rather than 200', async () => {
    const space = await api.oz('POST', `/groups/${sim.info.managerGroupId}/spaces`, { name: 'never_supported' });
    const r = await api.op('GET', `/spaces/${after(space.headers.get('location'), 'spaces/')}`);
    expect(r.status).toBe(403);
  });
});
