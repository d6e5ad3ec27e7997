import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createOnedataClient, OnedataError, type OnedataClientConfig } from '../../../shared/onedata/index.ts';
import { errorBody, memoryLogger, startTestServer, type Reply, type TestServer } from './test-server.ts';

const TOKEN = 'zone-token-MDAxNWxvY2F0aW9uIG9uZXpvbmUK-http-test';
const PTOKEN = 'provider-token-MDAxNWxvY2F0aW9uIG9uZXB-http-test';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(
  handler: (req: { method: string; url: string; body: string }, i: number) => Reply | Promise<Reply>,
  cfg: Partial<OnedataClientConfig> = {},
) {
  server = await startTestServer(handler);
  const logger = memoryLogger();
  const client = createOnedataClient({
    onezoneUrl: server.url,
    oneproviderUrl: server.url + '/',
    onezoneToken: TOKEN,
    providerToken: PTOKEN,
    timeoutMs: 2000,
    retry: { retries: 3, baseDelayMs: 1, maxDelayMs: 5 },
    logger,
    ...cfg,
  });
  return { client, logger, server };
}

describe('HTTP layer', () => {
  it('uses the base path of each service and the right token header', async () => {
    const { client, server } = await setup((req) => {
      if (req.url.startsWith('/api/v3/onezone/user')) return { status: 200, body: { userId: 'u1' } };
      if (req.url.startsWith('/api/v3/oneprovider/spaces/')) return { status: 200, body: { spaceId: 's1', name: 'n', dirId: 'd1' } };
      if (req.url === '/api/v3/onepanel/provider/spaces') return { status: 200, body: { ids: ['s1'] } };
      return { status: 404, body: errorBody('notFound') };
    });
    expect((await client.zone.getCurrentUser()).userId).toBe('u1');
    expect((await client.provider.getSpace('s1')).dirId).toBe('d1');
    expect(await client.panel.listSupportedSpaces()).toEqual(['s1']);
    const [z, p, o] = server.requests;
    expect(z!.headers['x-auth-token']).toBe(TOKEN);
    expect(p!.headers['x-auth-token']).toBe(PTOKEN);
    expect(o!.headers['x-auth-token']).toBe(PTOKEN);
    expect(p!.url).toBe('/api/v3/oneprovider/spaces/s1');
  });

  it('does not send the token to the public /configuration endpoints', async () => {
    const { client, server } = await setup(() => ({ status: 200, body: { version: '21.02.7', domain: 'z' } }));
    await client.zone.getConfiguration();
    await client.panel.getConfiguration();
    expect(server.requests.every((r) => r.headers['x-auth-token'] === undefined)).toBe(true);
  });

  it('percent-encodes path parameters', async () => {
    const { client, server } = await setup(() => ({ status: 404, body: errorBody('notFound') }));
    expect(await client.zone.getNamedTokenByName('my token/1?x', 'user 1')).toBeNull();
    expect(server.requests[0]!.url).toBe('/api/v3/onezone/users/user%201/tokens/named/name/my%20token%2F1%3Fx');
  });

  it('turns an error answer into OnedataError with service, method, path, status, id, details', async () => {
    const { client } = await setup(() => ({ status: 400, body: errorBody('posix', 'POSIX error: enoent', { errno: 'enoent' }) }));
    const e = (await client.provider.getFileAttributes('f1').catch((x: unknown) => x)) as OnedataError;
    expect(e).toBeInstanceOf(OnedataError);
    expect(e).toMatchObject({ service: 'oneprovider', method: 'GET', path: '/data/f1', status: 400, id: 'posix', details: { errno: 'enoent' } });
  });

  it('keeps query strings out of error paths', async () => {
    const { client, server } = await setup(() => ({ status: 400, body: errorBody('badValueListNotAllowed') }));
    const e = (await client.provider.getFileAttributes('f1', ['name', 'size']).catch((x: unknown) => x)) as OnedataError;
    expect(server.requests[0]!.url).toBe('/api/v3/oneprovider/data/f1?attributes=name&attributes=size');
    expect(e.path).toBe('/data/f1');
  });

  it('gives a fallback id for a non-JSON error page', async () => {
    const { client } = await setup(() => ({ status: 500, rawBody: '<html>Internal</html>', headers: { 'content-type': 'text/html' } }));
    const e = (await client.zone.getCurrentUser().catch((x: unknown) => x)) as OnedataError;
    expect(e.id).toBe('internalServerError');
    expect(e.description).toContain('Internal');
  });

  it('treats any 2xx as success', async () => {
    const { client } = await setup(() => ({ status: 201, headers: { location: 'http://x/api/v3/onezone/spaces/s1/groups/g1' } }));
    expect(await client.zone.addGroupToSpace('s1', 'g1')).toBe('added');
  });

  it('retries 503 with backoff, then succeeds; POSTs included', async () => {
    const { client, server, logger } = await setup((_r, i) =>
      i < 2 ? { status: 503, body: errorBody('serviceUnavailable') } : { status: 201, headers: { location: 'https://z/api/v3/onezone/groups/g/spaces/sp9' } },
    );
    expect(await client.zone.createSpace({ groupId: 'g', name: 'ds' })).toBe('sp9');
    expect(server.requests).toHaveLength(3);
    expect(server.requests.every((r) => r.method === 'POST')).toBe(true);
    expect(logger.lines.filter((l) => l.includes('retrying'))).toHaveLength(2);
  });

  it('gives up after the configured retries and throws the last transient error', async () => {
    const { client, server } = await setup(() => ({ status: 503, body: errorBody('temporaryFailure') }));
    const e = (await client.zone.getCurrentUser().catch((x: unknown) => x)) as OnedataError;
    expect(e.id).toBe('temporaryFailure');
    expect(server.requests).toHaveLength(4);
  });

  it('does not retry permanent errors or conflicts', async () => {
    const { client, server } = await setup((r) =>
      r.url.includes('/user') ? { status: 403, body: errorBody('forbidden') } : { status: 409, body: errorBody('alreadyExists') },
    );
    await expect(client.zone.getCurrentUser()).rejects.toMatchObject({ id: 'forbidden' });
    await expect(client.zone.createSpace({ groupId: 'g', name: 'ds', idGeneratorSeed: 'seed' })).rejects.toMatchObject({ id: 'alreadyExists', status: 409 });
    expect(server.requests).toHaveLength(2);
  });

  it('honours Retry-After', async () => {
    const { client, server } = await setup((_r, i) =>
      i === 0 ? { status: 503, headers: { 'retry-after': '0' }, body: errorBody('serviceUnavailable') } : { status: 200, body: { userId: 'u' } },
    );
    expect((await client.zone.getCurrentUser()).userId).toBe('u');
    expect(server.requests).toHaveLength(2);
  });

  it('maps a timeout to status 0 / timeout and retries it', async () => {
    const { client, server } = await setup(
      (_r, i) => (i === 0 ? { status: 200, body: { userId: 'late' }, delayMs: 400 } : { status: 200, body: { userId: 'u' } }),
      {
        timeoutMs: 100,
      },
    );
    expect((await client.zone.getCurrentUser()).userId).toBe('u');
    expect(server.requests).toHaveLength(2);
  });

  it('a timeout that persists surfaces as OnedataError status 0 id timeout', async () => {
    const { client } = await setup(() => ({ status: 200, body: {}, delayMs: 300 }), { timeoutMs: 50, retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    const e = (await client.zone.getCurrentUser().catch((x: unknown) => x)) as OnedataError;
    expect(e).toBeInstanceOf(OnedataError);
    expect(e.status).toBe(0);
    expect(e.id).toBe('timeout');
    expect(e.message).not.toContain(TOKEN);
  });

  it('maps a socket hang-up to connectionError (ECONNRESET) and retries it', async () => {
    const { client, server } = await setup((_r, i) => (i === 0 ? 'hangup' : { status: 200, body: { userId: 'u' } }));
    expect((await client.zone.getCurrentUser()).userId).toBe('u');
    expect(server.requests).toHaveLength(2);
  });

  it('maps a refused connection to status 0 connectionError, with no token anywhere', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const logger = memoryLogger();
    const client = createOnedataClient({
      onezoneUrl: `http://127.0.0.1:${port}`,
      oneproviderUrl: `http://127.0.0.1:${port}`,
      onezoneToken: TOKEN,
      retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 1 },
      logger,
    });
    const e = (await client.zone.getSpace('s1').catch((x: unknown) => x)) as OnedataError;
    expect(e).toMatchObject({ status: 0, id: 'connectionError', details: { code: 'ECONNREFUSED' } });
    expect(e.cause).toBeInstanceOf(Error);
    const everything = JSON.stringify({ m: e.message, s: e.stack, c: String(e.cause), j: e.toJSON(), l: logger.lines });
    expect(everything).not.toContain(TOKEN);
  });

  it('never puts the token in error messages or logs, even when the server echoes it', async () => {
    const { client, logger } = await setup((r) => ({
      status: 400,
      body: errorBody('badValueToken', `token ${TOKEN} / ${PTOKEN} invalid; body was ${r.body}`, { key: 'token', echoed: r.body }),
    }));
    const supportToken = 'support-invite-token-MDAxNWxvY2F0aW9uIG9uZX';
    const e = (await client.panel.supportSpace({ token: supportToken, size: 2_000_000, storageId: 'st' }).catch((x: unknown) => x)) as OnedataError;
    const everything = JSON.stringify({ m: e.message, s: e.stack, j: e.toJSON(), l: logger.lines });
    for (const secret of [TOKEN, PTOKEN, supportToken]) expect(everything).not.toContain(secret);
  });

  it('does not follow redirects (the token would go along)', async () => {
    const { client, server } = await setup(() => ({ status: 307, headers: { location: 'http://127.0.0.1:1/elsewhere' } }));
    await expect(client.zone.getCurrentUser()).rejects.toMatchObject({ status: 307 });
    expect(server.requests).toHaveLength(1);
  });

  it('limits concurrent requests per service', async () => {
    let active = 0;
    let peak = 0;
    const { client } = await setup(
      async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 20));
        active--;
        return { status: 200, body: { userId: 'u' } };
      },
      { concurrency: 2 },
    );
    await Promise.all(Array.from({ length: 7 }, () => client.zone.getCurrentUser()));
    expect(peak).toBe(2);
  });

  it('validates the configuration', () => {
    expect(() => createOnedataClient({ onezoneUrl: 'zone.example.org', oneproviderUrl: 'https://p', onezoneToken: 't' })).toThrow(/onezoneUrl/);
    expect(() => createOnedataClient({ onezoneUrl: 'https://z', oneproviderUrl: 'https://p', onezoneToken: '' })).toThrow(/onezoneToken/);
    expect(() => createOnedataClient({ onezoneUrl: 'https://z', oneproviderUrl: 'https://p', onezoneToken: 't', concurrency: 0 })).toThrow(/concurrency/);
  });
});
