import { afterEach, describe, expect, it } from 'vitest';
import {
  createOnedataClient,
  DeadlineExceededError,
  InvalidStorageSpecError,
  OnedataError,
  OnedataValidationError,
  waitUntilProviderSeesSpace,
} from '../../../shared/onedata/index.ts';
import { errorBody, memoryLogger, startTestServer, type RecordedRequest, type Reply, type TestServer } from './test-server.ts';

const TOKEN = 'zone-token-MDAxNWxvY2F0aW9uIG9uZXpvbmUK-client-test';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

type Route = (req: RecordedRequest, i: number) => Reply | undefined;

async function setup(...routes: Route[]) {
  server = await startTestServer((req, i) => {
    for (const r of routes) {
      const reply = r(req, i);
      if (reply) return reply;
    }
    return { status: 404, body: errorBody('notFound', `no route ${req.method} ${req.url}`) };
  });
  const client = createOnedataClient({
    onezoneUrl: server.url,
    oneproviderUrl: server.url,
    onezoneToken: TOKEN,
    retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 2 },
    logger: memoryLogger(),
  });
  return { client, requests: server.requests };
}

const on =
  (method: string, url: string | RegExp, reply: Reply | ((req: RecordedRequest) => Reply)): Route =>
  (req) =>
    req.method === method && (typeof url === 'string' ? req.url === url : url.test(req.url)) ? (typeof reply === 'function' ? reply(req) : reply) : undefined;

const json = (r: RecordedRequest | undefined) => JSON.parse(r!.body) as Record<string, unknown>;

describe('OnezoneApi', () => {
  it('createSpace posts name and idGeneratorSeed to /groups/{id}/spaces and reads the id from Location', async () => {
    const { client, requests } = await setup(
      on('POST', '/api/v3/onezone/groups/mgr/spaces', { status: 201, headers: { location: 'https://zone.example.org/api/v3/onezone/groups/mgr/spaces/sp1' } }),
    );
    expect(await client.zone.createSpace({ groupId: 'mgr', name: 'ds1', idGeneratorSeed: 'bucket/ds1' })).toBe('sp1');
    expect(json(requests[0])).toEqual({ name: 'ds1', idGeneratorSeed: 'bucket/ds1' });
    expect(requests[0]!.headers['content-type']).toBe('application/json');
  });

  it('createSpace without Location or body id is an unexpectedResponse error', async () => {
    const { client } = await setup(on('POST', /spaces$/, { status: 201 }));
    await expect(client.zone.createSpace({ groupId: 'mgr', name: 'ds1' })).rejects.toMatchObject({ id: 'unexpectedResponse', status: 201 });
  });

  it('lists effective spaces, shares, child groups', async () => {
    const { client } = await setup(
      on('GET', '/api/v3/onezone/user/effective_spaces', { status: 200, body: { spaces: ['a', 'b'] } }),
      on('GET', '/api/v3/onezone/spaces/a/shares', { status: 200, body: { shares: ['sh'] } }),
      on('GET', '/api/v3/onezone/groups/p/children', { status: 200, body: { groups: ['c1'] } }),
    );
    expect(await client.zone.listEffectiveSpaces()).toEqual(['a', 'b']);
    expect(await client.zone.listSpaceShares('a')).toEqual(['sh']);
    expect(await client.zone.listChildGroups('p')).toEqual(['c1']);
  });

  it('createChildGroup defaults type to team', async () => {
    const { client, requests } = await setup(
      on('POST', '/api/v3/onezone/groups/ug/children', { status: 201, headers: { location: 'https://z/api/v3/onezone/groups/ug/children/g7' } }),
    );
    expect(await client.zone.createChildGroup('ug', { name: 'ds1' })).toBe('g7');
    expect(json(requests[0])).toEqual({ name: 'ds1', type: 'team' });
  });

  it('addGroupToSpace: 409 relationAlreadyExists → alreadyMember, privileges reconciled with one PATCH', async () => {
    const { client, requests } = await setup(
      on('PUT', '/api/v3/onezone/spaces/s/groups/g', { status: 409, body: errorBody('relationAlreadyExists') }),
      on('GET', '/api/v3/onezone/spaces/s/groups/g/privileges', { status: 200, body: { privileges: ['space_view', 'space_write_data'] } }),
      on('PATCH', '/api/v3/onezone/spaces/s/groups/g/privileges', { status: 204 }),
    );
    expect(await client.zone.addGroupToSpace('s', 'g', ['space_view', 'space_read_data'])).toBe('alreadyMember');
    expect(json(requests[0])).toEqual({ privileges: ['space_view', 'space_read_data'] });
    expect(json(requests[2])).toEqual({ grant: ['space_read_data'], revoke: ['space_write_data'] });
  });

  it('addGroupToSpace without privileges sends an empty body and does not reconcile', async () => {
    const { client, requests } = await setup(on('PUT', '/api/v3/onezone/spaces/s/groups/g', { status: 409, body: errorBody('relationAlreadyExists') }));
    expect(await client.zone.addGroupToSpace('s', 'g')).toBe('alreadyMember');
    expect(requests).toHaveLength(1);
    expect(json(requests[0])).toEqual({});
  });

  it('createSupportToken: temporary supportSpace invite with a time caveat', async () => {
    const { client, requests } = await setup(on('POST', '/api/v3/onezone/user/tokens/temporary', { status: 201, body: { token: 'TKN' } }));
    const before = Math.floor(Date.now() / 1000);
    expect(await client.zone.createSupportToken('sp1', { ttlSeconds: 120 })).toBe('TKN');
    const body = json(requests[0]);
    expect(body['type']).toEqual({ inviteToken: { inviteType: 'supportSpace', spaceId: 'sp1' } });
    const caveats = body['caveats'] as Array<{ type: string; validUntil: number }>;
    expect(caveats).toHaveLength(1);
    expect(caveats[0]!.type).toBe('time');
    expect(caveats[0]!.validUntil).toBeGreaterThanOrEqual(before + 120);
    expect(caveats[0]!.validUntil).toBeLessThanOrEqual(before + 122);
    await expect(client.zone.createSupportToken('sp1', { ttlSeconds: 0 })).rejects.toBeInstanceOf(OnedataValidationError);
  });

  it('a token-creating answer without the token is an unexpectedResponse error, never an empty token', async () => {
    // Guards: tokenIn in onezone.ts (removed: undefined would be handed on as the token).
    const { client } = await setup(
      on('POST', '/api/v3/onezone/user/tokens/temporary', { status: 201, body: {} }),
      on('POST', '/api/v3/onezone/user/tokens/named', { status: 201, body: { tokenId: 't1', token: '' } }),
    );
    await expect(client.zone.createSupportToken('sp1', { ttlSeconds: 60 })).rejects.toMatchObject({ id: 'unexpectedResponse' });
    await expect(client.zone.createAccessToken({ name: 'n', caveats: [] })).rejects.toMatchObject({ id: 'unexpectedResponse' });
  });

  it('createGroupInviteToken: userJoinGroup with usageLimit at the top level, for another owner', async () => {
    const { client, requests } = await setup(
      on('POST', '/api/v3/onezone/users/svc/tokens/named', {
        status: 201,
        headers: { location: 'https://z/api/v3/onezone/tokens/named/tid1' },
        body: { tokenId: 'tid1', token: 'SER' },
      }),
      on('POST', '/api/v3/onezone/user/tokens/named', {
        status: 201,
        headers: { location: 'https://z/api/v3/onezone/tokens/named/tid2' },
        body: { token: 'SER2' },
      }),
    );
    expect(await client.zone.createGroupInviteToken({ ownerUserId: 'svc', name: 'ds1', groupId: 'g1' })).toEqual({ tokenId: 'tid1', token: 'SER' });
    expect(json(requests[0])).toEqual({ name: 'ds1', type: { inviteToken: { inviteType: 'userJoinGroup', groupId: 'g1' } }, usageLimit: 'infinity' });
    // tokenId falls back to Location when the body lacks it.
    expect(
      await client.zone.createGroupInviteToken({ name: 'ds2', groupId: 'g1', usageLimit: 5, caveats: [{ type: 'ip', whitelist: ['10.0.0.0/8'] }] }),
    ).toEqual({
      tokenId: 'tid2',
      token: 'SER2',
    });
    expect(json(requests[1])).toMatchObject({ usageLimit: 5, caveats: [{ type: 'ip', whitelist: ['10.0.0.0/8'] }] });
  });

  it('createGroupInviteToken surfaces badValueIdentifierOccupied as a typed error (not retried)', async () => {
    const { client, requests } = await setup(
      on('POST', /tokens\/named$/, { status: 400, body: errorBody('badValueIdentifierOccupied', 'occupied', { key: 'name' }) }),
    );
    const e = (await client.zone.createGroupInviteToken({ name: 'dup', groupId: 'g' }).catch((x: unknown) => x)) as OnedataError;
    expect(e).toMatchObject({ id: 'badValueIdentifierOccupied', key: 'name', status: 400 });
    expect(requests).toHaveLength(1);
  });

  it('getNamedTokenByName maps id → tokenId and 404 → null', async () => {
    const { client } = await setup(
      on('GET', '/api/v3/onezone/user/tokens/named/name/ds1', {
        status: 200,
        body: { id: 'tid', name: 'ds1', token: 'SER', metadata: { usageLimit: 'infinity' } },
      }),
    );
    expect(await client.zone.getNamedTokenByName('ds1')).toMatchObject({ tokenId: 'tid', name: 'ds1', token: 'SER', metadata: { usageLimit: 'infinity' } });
    expect(await client.zone.getNamedTokenByName('nope')).toBeNull();
  });
});

describe('OneproviderApi', () => {
  it('getSpace falls back to the deprecated fileId for dirId', async () => {
    const { client } = await setup(on('GET', '/api/v3/oneprovider/spaces/s1', { status: 200, body: { spaceId: 's1', name: 'n', fileId: 'root' } }));
    expect(await client.provider.getSpace('s1')).toMatchObject({ spaceId: 's1', dirId: 'root' });
  });

  it('createShare sends name, rootFileId, description (not fileType) and reads shareId from the body', async () => {
    const { client, requests } = await setup(
      on('POST', '/api/v3/oneprovider/shares', { status: 201, body: { shareId: 'sh1' }, headers: { location: 'https://p/api/v3/oneprovider/shares/other' } }),
    );
    expect(await client.provider.createShare({ name: 'ds1', rootFileId: 'root', description: '# x', fileType: 'dir' })).toBe('sh1');
    expect(json(requests[0])).toEqual({ name: 'ds1', rootFileId: 'root', description: '# x' });
  });

  it('updateShare needs a field; PATCHes only the given ones', async () => {
    const { client, requests } = await setup(on('PATCH', '/api/v3/oneprovider/shares/sh1', { status: 204 }));
    await client.provider.updateShare('sh1', { description: 'new' });
    expect(json(requests[0])).toEqual({ description: 'new' });
    await expect(client.provider.updateShare('sh1', {})).rejects.toMatchObject({ id: 'missingAtLeastOneValue' });
  });

  it('setJsonMetadata sends any JSON value as the whole document', async () => {
    const { client, requests } = await setup(on('PUT', '/api/v3/oneprovider/data/f/metadata/json', { status: 204 }));
    await client.provider.setJsonMetadata('f', { a: [1, { b: 'c' }] });
    expect(json(requests[0])).toEqual({ a: [1, { b: 'c' }] });
    await client.provider.setJsonMetadata('f', 'just a string');
    expect(json(requests[1])).toBe('just a string');
    await expect(client.provider.setJsonMetadata('f', undefined)).rejects.toBeInstanceOf(OnedataValidationError);
    expect(requests).toHaveLength(2);
  });

  it('registerFile posts the request and returns fileId', async () => {
    const { client, requests } = await setup(on('POST', '/api/v3/oneprovider/data/register', { status: 201, body: { fileId: 'F1' } }));
    expect(
      await client.provider.registerFile({
        spaceId: 's',
        storageId: 'st',
        storageFileId: '/a/b.txt',
        destinationPath: '/a/b.txt',
        size: 3,
        autoDetectAttributes: false,
      }),
    ).toEqual({
      fileId: 'F1',
    });
    expect(json(requests[0])).toEqual({
      spaceId: 's',
      storageId: 'st',
      storageFileId: '/a/b.txt',
      destinationPath: '/a/b.txt',
      size: 3,
      autoDetectAttributes: false,
    });
  });

  it('QoS requirements: add returns the id, get fills in the id', async () => {
    const { client, requests } = await setup(
      on('POST', '/api/v3/oneprovider/qos_requirements', { status: 201, body: { qosRequirementId: 'q1' } }),
      on('GET', '/api/v3/oneprovider/qos_requirements/q1', { status: 200, body: { fileId: 'f', expression: 'anyStorage', replicasNum: 2, status: 'pending' } }),
    );
    expect(await client.provider.addQosRequirement({ fileId: 'f', expression: 'anyStorage', replicasNum: 2 })).toBe('q1');
    expect(json(requests[0])).toEqual({ fileId: 'f', expression: 'anyStorage', replicasNum: 2 });
    expect(await client.provider.getQosRequirement('q1')).toMatchObject({ qosRequirementId: 'q1', status: 'pending' });
  });
});

describe('OnepanelApi', () => {
  const s3 = {
    type: 's3' as const,
    name: 'ds1',
    hostname: 'http://rgw:7480',
    bucketName: 'b',
    accessKey: 'ACCESSKEYVALUE1',
    secretKey: 'SECRET-KEY-VALUE-12345',
    importedStorage: true,
    readonly: true,
    storagePathType: 'canonical' as const,
    blockSize: 0,
  };

  it('createStorage posts the name-keyed map and returns the id', async () => {
    const { client, requests } = await setup(on('POST', '/api/v3/onepanel/provider/storages', { status: 200, body: { ds1: { id: 'st1' } } }));
    expect(await client.panel.createStorage(s3)).toBe('st1');
    const { name: _n, ...config } = s3;
    expect(json(requests[0])).toEqual({ ds1: config });
  });

  it('createStorage turns the per-storage 400 map into an OnedataError with the storage error id', async () => {
    const { client, requests } = await setup(
      on('POST', '/api/v3/onepanel/provider/storages', {
        status: 400,
        body: { ds1: { error: { id: 'storageTestFailed', description: `write test failed with key ${s3.secretKey}`, details: { operation: 'write' } } } },
      }),
    );
    const e = (await client.panel.createStorage(s3).catch((x: unknown) => x)) as OnedataError;
    expect(e).toMatchObject({ id: 'storageTestFailed', status: 400, details: { operation: 'write' }, service: 'onepanel' });
    expect(e.storageErrors?.['ds1']?.error?.id).toBe('storageTestFailed');
    expect(JSON.stringify({ m: e.message, j: e.toJSON() })).not.toContain(s3.secretKey);
    expect(requests).toHaveLength(1);
  });

  it('createStorage handles a plain error envelope, even for a storage named "error"', async () => {
    const { client } = await setup(
      on('POST', '/api/v3/onepanel/provider/storages', { status: 400, body: errorBody('badValueName', 'bad name', { key: 'error' }) }),
    );
    await expect(client.panel.createStorage({ type: 'posix', name: 'error', mountPoint: '/m' })).rejects.toMatchObject({ id: 'badValueName', status: 400 });
  });

  it('createStorage validates locally before any request', async () => {
    const { client, requests } = await setup();
    await expect(client.panel.createStorage({ ...s3, blockSize: 1024 })).rejects.toBeInstanceOf(InvalidStorageSpecError);
    expect(requests).toHaveLength(0);
  });

  it('supportSpace posts token/size/storageId/storageImport and reads {id}', async () => {
    const { client, requests } = await setup(
      on('POST', '/api/v3/onepanel/provider/spaces', { status: 201, body: { id: 'sp1' }, headers: { location: '/api/v3/onepanel/provider/spaces/sp1' } }),
    );
    expect(
      await client.panel.supportSpace({
        token: 'T',
        size: 10_995_116_277_760,
        storageId: 'st1',
        storageImport: { mode: 'auto', autoStorageImportConfig: { continuousScan: false } },
      }),
    ).toBe('sp1');
    expect(json(requests[0])).toEqual({
      token: 'T',
      size: 10_995_116_277_760,
      storageId: 'st1',
      storageImport: { mode: 'auto', autoStorageImportConfig: { continuousScan: false } },
    });
  });

  it('forceStartImport: 204 → started, 409 alreadyExists → alreadyRunning', async () => {
    let n = 0;
    const { client } = await setup(
      on('POST', '/api/v3/onepanel/provider/spaces/sp1/storage-import/auto/force-start', () =>
        n++ === 0 ? { status: 204 } : { status: 409, body: errorBody('alreadyExists') },
      ),
    );
    expect(await client.panel.forceStartImport('sp1')).toBe('started');
    expect(await client.panel.forceStartImport('sp1')).toBe('alreadyRunning');
  });
});

describe('waitUntilProviderSeesSpace', () => {
  it('treats spaceNotSupportedBy / userNotSupported / forbidden / posix enoent as "not yet"', async () => {
    const answers: Reply[] = [
      { status: 400, body: errorBody('spaceNotSupportedBy', 'x', { spaceId: 'sp1', providerId: 'p' }) },
      { status: 403, body: errorBody('userNotSupported') },
      { status: 403, body: errorBody('forbidden') },
      { status: 400, body: errorBody('posix', 'x', { errno: 'enoent' }) },
      { status: 200, body: { spaceId: 'sp1', name: 'n', dirId: 'ROOT' } },
    ];
    const { client } = await setup(on('GET', '/api/v3/oneprovider/spaces/sp1', () => answers.shift()!));
    const sleeps: number[] = [];
    let now = 0;
    const result = await waitUntilProviderSeesSpace(client, 'sp1', {
      deadlineMs: 60_000,
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
      now: () => now,
    });
    expect(result).toEqual({ dirId: 'ROOT' });
    expect(sleeps).toHaveLength(4);
  });

  it('makes no call before notBefore (the expected propagation time)', async () => {
    let now = 0;
    const calledAt: number[] = [];
    const { client } = await setup(
      on('GET', '/api/v3/oneprovider/spaces/sp1', () => {
        calledAt.push(now);
        return { status: 200, body: { spaceId: 'sp1', name: 'n', dirId: 'ROOT' } };
      }),
    );
    const result = await waitUntilProviderSeesSpace(client, 'sp1', {
      deadlineMs: 60_000,
      notBefore: 1000,
      initialDelayMs: 25,
      maxDelayMs: 100,
      sleep: async (ms) => {
        now += ms;
      },
      now: () => now,
    });
    expect(result).toEqual({ dirId: 'ROOT' });
    expect(calledAt).toHaveLength(1);
    // At notBefore itself, not at the first backoff tick after it (guards the sleep up to notBefore in wait.ts).
    expect(calledAt[0]).toBe(1000);
  });

  it('tells onPoll of each answered poll, not of a transient failure (the first-poll estimate learns from them)', async () => {
    let now = 0;
    // A "not yet", then a poll whose 503s outlast the client's 2 retries, then the space.
    const unavailable = { status: 503, body: errorBody('serviceUnavailable') };
    const answers = [
      { status: 403, body: errorBody('userNotSupported') },
      unavailable,
      unavailable,
      unavailable,
      { status: 200, body: { spaceId: 'sp1', name: 'n', dirId: 'ROOT' } },
    ];
    let call = 0;
    const { client } = await setup(
      on('GET', '/api/v3/oneprovider/spaces/sp1', () => {
        now += 27;
        return answers[Math.min(call++, answers.length - 1)]!;
      }),
    );
    const polls: { sentAt: number; answeredAt: number; seen: boolean }[] = [];
    await waitUntilProviderSeesSpace(client, 'sp1', {
      deadlineMs: 60_000,
      initialDelayMs: 20,
      maxDelayMs: 20,
      sleep: async (ms) => {
        now += ms;
      },
      now: () => now,
      onPoll: (p) => polls.push(p),
    });
    expect(call).toBe(5);
    expect(polls.map((p) => p.seen)).toEqual([false, true]);
    expect(polls.map((p) => p.answeredAt - p.sentAt)).toEqual([27, 27]);
  });

  it('rethrows other errors at once', async () => {
    const { client } = await setup(on('GET', '/api/v3/oneprovider/spaces/sp1', { status: 401, body: errorBody('unauthorized') }));
    await expect(waitUntilProviderSeesSpace(client, 'sp1', { deadlineMs: 60_000, sleep: async () => {} })).rejects.toMatchObject({ id: 'unauthorized' });
  });

  it('throws DeadlineExceededError naming the space', async () => {
    const { client } = await setup(on('GET', '/api/v3/oneprovider/spaces/sp1', { status: 400, body: errorBody('spaceNotSupportedBy') }));
    let now = 0;
    const e = await waitUntilProviderSeesSpace(client, 'sp1', {
      deadlineMs: 3000,
      sleep: async (ms) => {
        now += ms;
      },
      now: () => now,
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DeadlineExceededError);
    expect((e as Error).message).toContain('sp1');
    expect((e as Error).cause).toMatchObject({ id: 'spaceNotSupportedBy' });
  });
});
