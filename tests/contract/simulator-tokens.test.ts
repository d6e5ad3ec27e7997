import { describe, expect, it } from 'vitest';
import type { RunningSim } from '../../infra/local/onedata-sim/index.ts';
import { createSpace, errorOf, lastSegment, nowS, useFreshSim, type Api } from './simulator-helpers.ts';

let sim: RunningSim;
let api: Api;

useFreshSim((s) => ({ sim, api } = s));

async function newUser(): Promise<{ userId: string; token: string }> {
  const r = await fetch(`${sim.url}/_sim/tokens`, { method: 'POST', body: '{}' });
  return (await r.json()) as { userId: string; token: string };
}

async function childGroup(): Promise<string> {
  const r = await api.oz('POST', `/groups/${sim.info.userGroupId}/children`, { name: 'dataset_group', type: 'team' });
  return lastSegment(r.headers.get('location'));
}

describe('temporary tokens', () => {
  it('creates a support token: 201, body {token}, no Location', async () => {
    const spaceId = await createSpace(api);
    const r = await api.oz('POST', '/user/tokens/temporary', {
      type: { inviteToken: { inviteType: 'supportSpace', spaceId } },
      caveats: [{ type: 'time', validUntil: nowS() + 120 }],
    });
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toBeNull();
    expect(Object.keys(r.body)).toEqual(['token']);
    expect(r.body.token).toMatch(/^[A-Za-z0-9]{100,}$/);
    const examined = await api.oz('POST', '/tokens/examine', { token: r.body.token }, { token: null });
    expect(examined.status).toBe(200);
    expect(examined.body).toMatchObject({
      onezoneDomain: sim.info.zoneDomain,
      persistence: 'temporary',
      subject: { type: 'user', id: sim.info.serviceUserId },
      type: { inviteToken: { inviteType: 'supportSpace', spaceId, parameters: {} } },
      caveats: [{ type: 'time' }],
    });
  });

  it('requires a time caveat within the max TTL (tokenTimeCaveatRequired)', async () => {
    const none = await api.oz('POST', '/user/tokens/temporary', { type: { accessToken: {} } });
    expect(none.status).toBe(400);
    expect(errorOf(none)).toMatchObject({ id: 'tokenTimeCaveatRequired', details: { maxTtl: 2_592_000 } });
    const tooLong = await api.oz('POST', '/user/tokens/temporary', { caveats: [{ type: 'time', validUntil: nowS() + 40 * 86_400 }] });
    expect(errorOf(tooLong).id).toBe('tokenTimeCaveatRequired');
  });

  it('lets an access token expire (tokenCaveatUnverified) and revokes all on DELETE /user/tokens/temporary', async () => {
    const expired = await api.oz('POST', '/user/tokens/temporary', { caveats: [{ type: 'time', validUntil: nowS() - 1 }] });
    const r = await api.oz('GET', '/user', undefined, { token: expired.body.token });
    expect(r.status).toBe(401);
    expect(errorOf(r).details.authError).toMatchObject({ id: 'tokenCaveatUnverified', details: { caveat: { type: 'time' } } });

    const valid = await api.oz('POST', '/user/tokens/temporary', { caveats: [{ type: 'time', validUntil: nowS() + 600 }] });
    expect((await api.oz('GET', '/user', undefined, { token: valid.body.token })).status).toBe(200);
    expect((await api.oz('DELETE', '/user/tokens/temporary')).status).toBe(204);
    const revoked = await api.oz('GET', '/user', undefined, { token: valid.body.token });
    expect(errorOf(revoked).details.authError.id).toBe('tokenRevoked');
  });

  it('rejects malformed caveats and unknown token types', async () => {
    const caveat = await api.oz('POST', '/user/tokens/temporary', { caveats: [{ type: 'time', validUntil: 'soon' }] });
    expect(errorOf(caveat).id).toBe('badValueCaveat');
    const type = await api.oz('POST', '/user/tokens/temporary', {
      type: { inviteToken: { inviteType: 'spaceSupport', spaceId: 'x' } },
      caveats: [{ type: 'time', validUntil: nowS() + 60 }],
    });
    expect(type.status).toBe(400);
    expect(errorOf(type)).toMatchObject({ id: 'badValueTokenType', details: { key: 'type' } });
  });
});

describe('named tokens', () => {
  it('creates an invite token with usageLimit at the top level: 201 + Location + {tokenId, token}', async () => {
    const groupId = await childGroup();
    const r = await api.oz('POST', `/users/${sim.info.serviceUserId}/tokens/named`, {
      name: 'dataset_1',
      type: { inviteToken: { inviteType: 'userJoinGroup', groupId } },
      usageLimit: 'infinity',
    });
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toBe(`${sim.url}/api/v3/onezone/tokens/named/${r.body.tokenId}`);
    expect(Object.keys(r.body).sort()).toEqual(['token', 'tokenId']);
    const get = await api.oz('GET', `/tokens/named/${r.body.tokenId}`);
    expect(get.body).toMatchObject({
      id: r.body.tokenId,
      name: 'dataset_1',
      subject: { type: 'user', id: sim.info.serviceUserId },
      revoked: false,
      token: r.body.token,
      type: { inviteToken: { inviteType: 'userJoinGroup', groupId } },
      metadata: { usageLimit: 'infinity', usageCount: 0, privileges: ['group_view'] },
    });
  });

  it('ignores usageLimit nested inside type (the fs2od bug) and honours a numeric top-level limit', async () => {
    const groupId = await childGroup();
    const nested = await api.oz('POST', '/user/tokens/named', {
      name: 'nested',
      type: { inviteToken: { inviteType: 'userJoinGroup', groupId }, usageLimit: 1 },
    });
    expect(nested.status).toBe(201);
    const nestedToken = await api.oz('GET', `/tokens/named/${nested.body.tokenId}`);
    expect(nestedToken.body.metadata.usageLimit).toBe('infinity');
    const limited = await api.oz('POST', '/user/tokens/named', {
      name: 'limited',
      type: { inviteToken: { inviteType: 'userJoinGroup', groupId } },
      usageLimit: 1,
    });
    expect(limited.status).toBe(201);
    const alice = await newUser();
    const bob = await newUser();
    const join1 = await api.oz('POST', '/user/groups/join', { token: limited.body.token }, { token: alice.token });
    expect(join1.status).toBe(201);
    expect(join1.headers.get('location')).toBe(`${sim.url}/api/v3/onezone/user/groups/${groupId}`);
    const join2 = await api.oz('POST', '/user/groups/join', { token: limited.body.token }, { token: bob.token });
    expect(join2.status).toBe(400);
    expect(errorOf(join2)).toMatchObject({ id: 'badValueToken', details: { key: 'token', tokenError: { id: 'inviteTokenUsageLimitReached' } } });
    const zero = await api.oz('POST', '/user/tokens/named', {
      name: 'zero',
      type: { inviteToken: { inviteType: 'userJoinGroup', groupId } },
      usageLimit: 0,
    });
    expect(errorOf(zero)).toMatchObject({ id: 'badValueTooLow', details: { key: 'usageLimit', limit: 1 } });
  });

  it('keeps names unique per subject: 400 badValueIdentifierOccupied {key:"name"}', async () => {
    expect((await api.oz('POST', '/user/tokens/named', { name: 'dup' })).status).toBe(201);
    const again = await api.oz('POST', '/user/tokens/named', { name: 'dup' });
    expect(again.status).toBe(400);
    expect(errorOf(again)).toMatchObject({ id: 'badValueIdentifierOccupied', details: { key: 'name' } });
    const otherUser = await newUser();
    expect((await api.oz('POST', '/user/tokens/named', { name: 'dup' }, { token: otherUser.token })).status).toBe(201);
  });

  it('finds tokens by name (both variants), lists and deletes them', async () => {
    const created = await api.oz('POST', '/user/tokens/named', { name: 'my token (1)' });
    const name = encodeURIComponent('my token (1)');
    const mine = await api.oz('GET', `/user/tokens/named/name/${name}`);
    expect(mine.status).toBe(200);
    expect(mine.body.id).toBe(created.body.tokenId);
    const theirs = await api.oz('GET', `/users/${sim.info.serviceUserId}/tokens/named/name/${name}`);
    expect(theirs.body.id).toBe(created.body.tokenId);
    expect((await api.oz('GET', '/user/tokens/named')).body.tokens).toContain(created.body.tokenId);
    expect((await api.oz('GET', '/user/tokens/named/name/missing')).status).toBe(404);
    expect((await api.oz('DELETE', `/tokens/named/${created.body.tokenId}`)).status).toBe(204);
    expect((await api.oz('GET', `/tokens/named/${created.body.tokenId}`)).status).toBe(404);
    const useDeleted = await api.oz('GET', '/user', undefined, { token: created.body.token });
    expect(errorOf(useDeleted).details.authError.id).toBe('tokenInvalid');
  });

  it('validates names and required fields', async () => {
    expect(errorOf(await api.oz('POST', '/user/tokens/named', {}))).toMatchObject({ id: 'missingRequiredValue', details: { key: 'name' } });
    expect(errorOf(await api.oz('POST', '/user/tokens/named', { name: 'bad/name' })).id).toBe('badValueName');
  });

  it('lets only the user itself (or a token admin) create tokens for /users/{id}', async () => {
    const other = await newUser();
    const r = await api.oz('POST', `/users/${other.userId}/tokens/named`, { name: 'foreign' });
    expect(r.status).toBe(403);
    const admin = await fetch(`${sim.url}/_sim/tokens`, { method: 'POST', body: JSON.stringify({ ozPrivileges: ['oz_tokens_manage'] }) }).then(
      (res) => res.json() as Promise<{ token: string }>,
    );
    expect((await api.oz('POST', `/users/${other.userId}/tokens/named`, { name: 'foreign' }, { token: admin.token })).status).toBe(201);
  });

  it('requires the invite privilege in the target', async () => {
    const spaceId = await createSpace(api);
    const outsider = await newUser();
    const r = await api.oz(
      'POST',
      '/user/tokens/named',
      {
        name: 'support',
        type: { inviteToken: { inviteType: 'supportSpace', spaceId } },
      },
      { token: outsider.token },
    );
    expect(r.status).toBe(403);
    expect(errorOf(r).id).toBe('forbidden');
  });

  it('confines a token with an extra caveat that is then enforced', async () => {
    const created = await api.oz('POST', '/user/tokens/named', { name: 'base' });
    const confined = await api.oz(
      'POST',
      '/tokens/confine',
      {
        token: created.body.token,
        caveats: [{ type: 'time', validUntil: nowS() - 10 }],
      },
      { token: null },
    );
    expect(confined.status).toBe(200);
    expect((await api.oz('GET', '/user', undefined, { token: created.body.token })).status).toBe(200);
    const r = await api.oz('GET', '/user', undefined, { token: confined.body.token });
    expect(errorOf(r).details.authError.id).toBe('tokenCaveatUnverified');
  });
});
