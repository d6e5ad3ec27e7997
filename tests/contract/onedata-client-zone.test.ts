import { describe, expect, it } from 'vitest';
import { isConflict } from '../../shared/onedata/index.ts';
import { clientFor, posixSpec, supportedSpace, uniqueName, useSim, failure } from './onedata-sim-fixture.ts';
import { apiFor } from './simulator-helpers.ts';

const ctx = useSim();

describe('Onezone client against the simulator', () => {
  it('reads the public configuration and the current user', async () => {
    const { od, sim } = ctx;
    const cfg = await od.zone.getConfiguration();
    expect(cfg.version).toMatch(/^21\.02/);
    expect(cfg.domain).toBe(sim.info.zoneDomain);
    const user = await od.zone.getCurrentUser();
    expect(user.userId).toBe(sim.info.serviceUserId);
  });

  it('rejects a bad token with 401 unauthorized', async () => {
    const { sim } = ctx;
    const bad = clientFor(sim, { onezoneToken: 'not-a-valid-token-at-all-xyz' });
    const e = await failure(bad.zone.getCurrentUser());
    expect(e.status).toBe(401);
    expect(e.id).toBe('unauthorized');
    expect(e.message).not.toContain('not-a-valid-token-at-all-xyz');
  });

  it('creates, reads, lists and deletes a space', async () => {
    const { od, sim } = ctx;
    const name = uniqueName();
    const spaceId = await od.zone.createSpace({ groupId: sim.info.managerGroupId, name });
    const space = await od.zone.getSpace(spaceId);
    expect(space).toMatchObject({ spaceId, name, providers: {} });
    expect(await od.zone.listEffectiveSpaces()).toContain(spaceId);
    await od.zone.deleteSpace(spaceId);
    const e = await failure(od.zone.getSpace(spaceId));
    expect(e.status).toBe(404);
    expect(e.id).toBe('notFound');
  });

  it('a repeated idGeneratorSeed gives 409 alreadyExists (typed, not retried)', async () => {
    const { od, sim } = ctx;
    const name = uniqueName();
    const id = await od.zone.createSpace({ groupId: sim.info.managerGroupId, name, idGeneratorSeed: 'bucket-a/ds-1' });
    const before = sim.requests().length;
    const e = await failure(od.zone.createSpace({ groupId: sim.info.managerGroupId, name, idGeneratorSeed: 'bucket-a/ds-1' }));
    expect(e).toMatchObject({ status: 409, id: 'alreadyExists', service: 'onezone', method: 'POST' });
    expect(isConflict(e)).toBe(true);
    expect(sim.requests().length - before).toBe(1);
    // The seeded space is still the one from the first create.
    expect((await od.zone.getSpace(id)).name).toBe(name);
  });

  it('an invalid space name gives 400 badValueName', async () => {
    const { od, sim } = ctx;
    const e = await failure(od.zone.createSpace({ groupId: sim.info.managerGroupId, name: 'bad@name' }));
    expect(e).toMatchObject({ status: 400, id: 'badValueName' });
  });

  it('creates a child group (type team), lists, reads and deletes it', async () => {
    const { od, sim } = ctx;
    const name = uniqueName('grp');
    const groupId = await od.zone.createChildGroup(sim.info.userGroupId, { name });
    expect(await od.zone.listChildGroups(sim.info.userGroupId)).toContain(groupId);
    expect(await od.zone.getGroup(groupId)).toMatchObject({ groupId, name, type: 'team' });
    await od.zone.deleteGroup(groupId);
    expect(await od.zone.listChildGroups(sim.info.userGroupId)).not.toContain(groupId);
  });

  it('adds a group to a space; a second add is relationAlreadyExists → alreadyMember with privileges reconciled', async () => {
    const { od, sim } = ctx;
    const spaceId = await od.zone.createSpace({ groupId: sim.info.managerGroupId, name: uniqueName() });
    const groupId = await od.zone.createChildGroup(sim.info.userGroupId, { name: uniqueName('grp') });
    const readOnly = ['space_view', 'space_view_privileges', 'space_read_data', 'space_add_support'];
    expect(await od.zone.addGroupToSpace(spaceId, groupId, readOnly)).toBe('added');
    expect((await od.zone.getGroupSpacePrivileges(spaceId, groupId)).sort()).toEqual([...readOnly].sort());
    const more = [...readOnly, 'space_view_transfers'];
    expect(await od.zone.addGroupToSpace(spaceId, groupId, more)).toBe('alreadyMember');
    expect((await od.zone.getGroupSpacePrivileges(spaceId, groupId)).sort()).toEqual([...more].sort());
    const putAgain = ctx.sim.requests().filter((r) => r.method === 'PUT' && r.path.endsWith(`/groups/${groupId}`));
    expect(putAgain.map((r) => r.status)).toEqual([201, 409]);
    expect(await od.zone.listSpaceGroups(spaceId)).toContain(groupId);
  });

  it('creates a support token (temporary supportSpace invite with a time caveat) that a provider accepts', async () => {
    const { od, sim } = ctx;
    const spaceId = await od.zone.createSpace({ groupId: sim.info.managerGroupId, name: uniqueName() });
    const token = await od.zone.createSupportToken(spaceId, { ttlSeconds: 120 });
    expect(typeof token).toBe('string');
    const req = sim.requests().find((r) => r.path.endsWith('/user/tokens/temporary'));
    expect(req?.status).toBe(201);
    // The simulator masks the whole \`inviteToken\` object in its log (secret-looking key), so the
    // type is checked by using the token: a provider accepts it as a support token.
    expect(req?.body).toMatchObject({ caveats: [{ type: 'time', validUntil: expect.any(Number) }] });
    const storageId = await od.panel.createStorage(posixSpec(uniqueName('st')));
    expect(await od.panel.supportSpace({ token, size: 10_000_000, storageId })).toBe(spaceId);
  });

  it('creates a named group invite token for the service user; a duplicate name is badValueIdentifierOccupied', async () => {
    const { od, sim } = ctx;
    const groupId = await od.zone.createChildGroup(sim.info.userGroupId, { name: uniqueName('grp') });
    const name = uniqueName('invite');
    const created = await od.zone.createGroupInviteToken({ ownerUserId: sim.info.serviceUserId, name, groupId });
    expect(created.tokenId).toBeTruthy();
    expect(created.token).toBeTruthy();
    const req = sim.requests().find((r) => r.method === 'POST' && r.path.endsWith('/tokens/named'));
    // usageLimit at the top level of the body (not inside \`type\`).
    expect(req?.body).toMatchObject({ name, usageLimit: 'infinity' });
    expect((await od.zone.getNamedToken(created.tokenId)).type).toMatchObject({ inviteToken: { inviteType: 'userJoinGroup', groupId } });

    const e = await failure(od.zone.createGroupInviteToken({ ownerUserId: sim.info.serviceUserId, name, groupId }));
    expect(e).toMatchObject({ status: 400, id: 'badValueIdentifierOccupied', key: 'name' });
    expect(isConflict(e)).toBe(true);

    const byName = await od.zone.getNamedTokenByName(name, sim.info.serviceUserId);
    expect(byName).toMatchObject({ tokenId: created.tokenId, name });
    expect(byName?.metadata?.usageLimit).toBe('infinity');
    expect(await od.zone.getNamedTokenByName(name)).toMatchObject({ tokenId: created.tokenId });
    expect(await od.zone.getNamedToken(created.tokenId)).toMatchObject({ tokenId: created.tokenId, name });
    // The product client has no list call; the simulator's own list shows the token under its owner.
    const listed = await apiFor(sim).oz('GET', `/users/${sim.info.serviceUserId}/tokens/named`);
    expect(listed.body.tokens).toContain(created.tokenId);

    await od.zone.deleteNamedToken(created.tokenId);
    expect(await od.zone.getNamedTokenByName(name, sim.info.serviceUserId)).toBeNull();
    expect((await failure(od.zone.getNamedToken(created.tokenId))).id).toBe('notFound');
  });

  it('a numeric usageLimit is honoured', async () => {
    const { od, sim } = ctx;
    const groupId = await od.zone.createChildGroup(sim.info.userGroupId, { name: uniqueName('grp') });
    const { tokenId } = await od.zone.createGroupInviteToken({ name: uniqueName('inv'), groupId, usageLimit: 3 });
    expect((await od.zone.getNamedToken(tokenId)).metadata?.usageLimit).toBe(3);
  });

  it('shows the provider support on the Onezone space and lists its shares', async () => {
    const { od, sim } = ctx;
    const { spaceId } = await supportedSpace(od, sim, { size: 5_000_000 });
    const space = await od.zone.getSpace(spaceId);
    expect(space.providers[sim.info.providerIds[0]!]).toBe(5_000_000);
    expect(await od.zone.listSpaceShares(spaceId)).toEqual([]);
  });
});
