import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCli } from '../../infra/local/onedata-sim/cli.ts';
import type { RunningSim, SimRequestLogEntry } from '../../infra/local/onedata-sim/index.ts';
import {
  actionErrorOf,
  createSpace,
  createStorage,
  errorOf,
  importedPosix,
  lastSegment,
  provision,
  sleep,
  startSim,
  supportToken,
  until,
  type Api,
} from './simulator-helpers.ts';

let sim: RunningSim | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(opts: Parameters<typeof startSim>[0] = {}): Promise<Api> {
  const started = await startSim(opts);
  sim = started.sim;
  return started.api;
}

type Counts = { counts: Record<string, number> };
const counts = (s: RunningSim): Record<string, number> => (s.state() as Counts).counts;

describe('propagationDelayMs', () => {
  it('hides a new support from the Oneprovider (403 userNotSupported), while Onezone and Onepanel see it at once', async () => {
    const api = await start({ propagationDelayMs: 60_000 });
    const s = sim as RunningSim;
    const { spaceId } = await provision(api);
    expect((await api.panel('GET', '/provider/spaces')).body.ids).toContain(spaceId);
    expect(Object.keys((await api.oz('GET', `/spaces/${spaceId}`)).body.providers)).toEqual([s.info.providerIds[0]]);
    const early = await api.op('GET', `/spaces/${spaceId}`);
    expect(early.status).toBe(403);
    expect(errorOf(early).id).toBe('userNotSupported');
    s.propagate();
    expect((await api.op('GET', `/spaces/${spaceId}`)).status).toBe(200);
  });

  it('shows the space once the delay has passed', async () => {
    const api = await start({ propagationDelayMs: 80 });
    const s = sim as RunningSim;
    const { spaceId } = await provision(api);
    await until(async () => (await api.op('GET', `/spaces/${spaceId}`)).status === 200, 3000);
    const support = s.requests().find((e) => e.path === '/api/v3/onepanel/provider/spaces') as SimRequestLogEntry;
    const firstOk = s.requests().find((e) => e.service === 'oneprovider' && e.status === 200) as SimRequestLogEntry;
    expect((firstOk.endedAt as number) - support.startedAt).toBeGreaterThanOrEqual(75);
  });

  it('answers spaceNotSupportedBy for a new space while the user is already supported; older supports stay visible', async () => {
    const api = await start();
    const s = sim as RunningSim;
    const first = await provision(api);
    s.configure({ propagationDelayMs: 60_000 });
    const second = await provision(api, { name: 'dataset_2' });
    expect((await api.op('GET', `/spaces/${first.spaceId}`)).status).toBe(200);
    const early = await api.op('GET', `/spaces/${second.spaceId}`);
    expect(early.status).toBe(400);
    expect(errorOf(early)).toMatchObject({ id: 'spaceNotSupportedBy', details: { spaceId: second.spaceId, providerId: s.info.providerIds[0] } });
    expect((await fetch(`${s.url}/_sim/propagate`, { method: 'POST' })).status).toBe(204);
    expect((await api.op('GET', `/spaces/${second.spaceId}`)).status).toBe(200);
  });

  it('delays membership changes: a new member is forbidden at the provider for a while', async () => {
    const api = await start();
    const s = sim as RunningSim;
    const { spaceId } = await provision(api);
    const user = await fetch(`${s.url}/_sim/tokens`, { method: 'POST', body: '{}' }).then((r) => r.json() as Promise<{ userId: string; token: string }>);
    const group = await api.oz('POST', `/groups/${s.info.userGroupId}/children`, { name: 'readers', type: 'team' });
    const groupId = lastSegment(group.headers.get('location'));
    const invite = await api.oz('POST', '/user/tokens/named', { name: 'readers', type: { inviteToken: { inviteType: 'userJoinGroup', groupId } } });
    await provision(api, { name: 'other' });
    s.configure({ propagationDelayMs: 60_000 });
    expect((await api.oz('POST', '/user/groups/join', { token: invite.body.token }, { token: user.token })).status).toBe(201);
    expect((await api.oz('PUT', `/spaces/${spaceId}/groups/${groupId}`, { privileges: ['space_view', 'space_read_data'] })).status).toBe(201);
    expect((await api.oz('GET', `/spaces/${spaceId}`, undefined, { token: user.token })).status).toBe(200);
    const early = await api.op('GET', `/spaces/${spaceId}`, undefined, { token: user.token });
    expect(early.status).toBe(403);
    s.propagate();
    expect((await api.op('GET', `/spaces/${spaceId}`, undefined, { token: user.token })).status).toBe(200);
  });

  it('keeps a deleted space (and its storage) busy at the provider until the deletion has propagated', async () => {
    const api = await start();
    const s = sim as RunningSim;
    const { spaceId, storageId } = await provision(api);
    s.configure({ propagationDelayMs: 60_000 });
    expect((await api.oz('DELETE', `/spaces/${spaceId}`)).status).toBe(204);
    expect((await api.oz('GET', `/spaces/${spaceId}`)).status).toBe(404);
    expect((await api.panel('GET', '/provider/spaces')).body.ids).toContain(spaceId);
    // The Oneprovider's own view lags the same way: its list and the space's view agree.
    expect((await api.op('GET', `/spaces/${spaceId}`)).status).toBe(200);
    expect((await api.op('GET', '/spaces')).body.map((x: { spaceId: string }) => x.spaceId)).toContain(spaceId);
    expect(actionErrorOf(await api.panel('DELETE', `/provider/storages/${storageId}`)).id).toBe('storageInUse');
    s.propagate();
    // Its only space gone, the user is no longer known to the provider at all.
    expect(errorOf(await api.op('GET', '/spaces')).id).toBe('userNotSupported');
    expect((await api.panel('GET', '/provider/spaces')).body.ids).not.toContain(spaceId);
    expect((await api.panel('DELETE', `/provider/storages/${storageId}`)).status).toBe(204);
  });
});

describe('faultRate and lostResponseRate', () => {
  it('fails calls before any effect, half with a 503 envelope and half with a dropped connection', async () => {
    const api = await start();
    const s = sim as RunningSim;
    const before = counts(s)['spaces'];
    s.configure({ faultRate: 1 });
    const outcomes: string[] = [];
    for (let i = 0; i < 8; i++) {
      try {
        const r = await api.oz('POST', `/groups/${s.info.managerGroupId}/spaces`, { name: `faulty_${i}` });
        expect(r.status).toBe(503);
        expect(['serviceUnavailable', 'temporaryFailure']).toContain(errorOf(r).id);
        outcomes.push('503');
      } catch (e) {
        expect((e as Error).message).toMatch(/fetch failed/);
        outcomes.push('dropped');
      }
    }
    expect(outcomes.filter((o) => o === '503')).toHaveLength(4);
    expect(outcomes.filter((o) => o === 'dropped')).toHaveLength(4);
    expect(counts(s)['spaces']).toBe(before);
    const log = s.requests();
    expect(log).toHaveLength(8);
    expect(log.filter((e) => e.fault === 'dropped')).toHaveLength(4);
    expect(log.filter((e) => e.fault === 'serviceUnavailable' || e.fault === 'temporaryFailure').every((e) => e.status === 503)).toBe(true);
    expect(log.filter((e) => e.fault === 'dropped').every((e) => e.status === 0)).toBe(true);
    const sim1 = await fetch(`${s.url}/_sim/info`);
    expect(sim1.status).toBe(200);
    s.configure({ faultRate: 0 });
    expect((await api.oz('GET', '/user')).status).toBe(200);
  });

  it('applies faultRate to a fraction of calls', async () => {
    const api = await start({ faultRate: 0.5 });
    const s = sim as RunningSim;
    const results = await Promise.all(
      Array.from({ length: 60 }, () =>
        api.oz('GET', '/user').then(
          (r) => r.status,
          () => 0,
        ),
      ),
    );
    const faulted = results.filter((st) => st !== 200).length;
    expect(faulted).toBeGreaterThan(5);
    expect(faulted).toBeLessThan(55);
    expect(s.requests().filter((e) => e.fault !== undefined)).toHaveLength(faulted);
  });

  it('loses the response after the effect with lostResponseRate, so a retry sees the object', async () => {
    const api = await start({ lostResponseRate: 1 });
    const s = sim as RunningSim;
    const body = { name: 'lost', idGeneratorSeed: 'dataset-lost' };
    await expect(api.oz('POST', `/groups/${s.info.managerGroupId}/spaces`, body)).rejects.toThrow(/fetch failed/);
    expect(counts(s)['spaces']).toBe(1);
    const entry = s.requests()[0] as SimRequestLogEntry;
    expect(entry).toMatchObject({ fault: 'lostResponse', status: 201 });
    s.configure({ lostResponseRate: 0 });
    const retry = await api.oz('POST', `/groups/${s.info.managerGroupId}/spaces`, body);
    expect(retry.status).toBe(409);
    expect(errorOf(retry).id).toBe('alreadyExists');
  });
});

describe('latencyMs', () => {
  it('delays every call with timers, so concurrent calls overlap', async () => {
    const api = await start({ latencyMs: 100 });
    const s = sim as RunningSim;
    await Promise.all([api.oz('GET', '/user'), api.oz('GET', '/configuration'), api.panel('GET', '/provider/storages')]);
    const log = s.requests();
    expect(log).toHaveLength(3);
    for (const e of log) expect((e.endedAt as number) - e.startedAt).toBeGreaterThanOrEqual(95);
    const lastStart = Math.max(...log.map((e) => e.startedAt));
    const firstEnd = Math.min(...log.map((e) => e.endedAt as number));
    expect(lastStart).toBeLessThan(firstEnd);
    const info = await fetch(`${s.url}/_sim/info`);
    expect(info.status).toBe(200);
    expect(s.requests()).toHaveLength(3);
  });

  // Guards the latency's start (server.ts, `arrivedAt`): a remote service's latency runs from the
  // request's arrival, and the simulator's own work on the request (reading the body, logging,
  // routing, and the other requests it handles meanwhile) must not add to it, or no client could
  // reach the bound L that the benchmarks divide by. Here the body comes 100 ms after the headers:
  // counted from arrival the call takes 150 ms; counted after reading the body it took 250 ms.
  it("counts the delay from the request's arrival, not from when the simulator has read it", async () => {
    await start({ latencyMs: 150 });
    const s = sim as RunningSim;
    const started = performance.now();
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${s.url}/api/v3/onezone/user/groups`,
        { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': 2 } },
        (res) => res.resume().on('end', () => resolve(res.statusCode ?? 0)),
      );
      req.on('error', reject);
      req.write('{');
      setTimeout(() => req.end('}'), 100);
    });
    const took = performance.now() - started;
    expect(status).toBe(401); // no token: answered after the delay like any call
    expect(s.requests()).toHaveLength(1);
    expect(took).toBeGreaterThanOrEqual(145);
    expect(took).toBeLessThan(225);
  });
});

describe('inspection endpoints', () => {
  it('GET /_sim/info matches the API, GET /_sim/state lists entities with counts', async () => {
    const api = await start();
    const s = sim as RunningSim;
    const info = await (await fetch(`${s.url}/_sim/info`)).json();
    expect(info).toEqual(s.info);
    const { spaceId, storageId } = await provision(api);
    const state = (await (await fetch(`${s.url}/_sim/state`)).json()) as Record<string, unknown> & Counts;
    expect(state.counts).toMatchObject({ spaces: 1, storages: 1, supports: 1, scans: 1, groups: 2 });
    expect(state['spaces']).toEqual([expect.objectContaining({ id: spaceId, name: 'dataset_1' })]);
    expect(state['supports']).toEqual([expect.objectContaining({ spaceId, storageId, providerId: s.info.providerIds[0] })]);
    expect(JSON.stringify(state)).not.toContain(s.info.token);
    expect(s.state()).toMatchObject({ counts: state.counts });
  });

  it('logs requests without headers or tokens', async () => {
    const api = await start();
    const s = sim as RunningSim;
    const spaceId = await createSpace(api);
    const token = await supportToken(api, spaceId);
    const storageId = await createStorage(api, 'st', { ...importedPosix('st') });
    await api.panel('POST', '/provider/spaces', { token, size: 2_000_000, storageId });
    const text = JSON.stringify(await (await fetch(`${s.url}/_sim/requests`)).json());
    expect(text).not.toContain(s.info.token);
    expect(text).not.toContain(token);
    expect(text.toLowerCase()).not.toContain('x-auth-token');
    const support = s.requests().find((e) => e.path === '/api/v3/onepanel/provider/spaces');
    expect(support).toMatchObject({
      method: 'POST',
      service: 'onepanel',
      status: 201,
      providerId: s.info.providerIds[0],
      body: { token: '[REDACTED]', size: 2_000_000 },
    });
    expect(Object.keys(support ?? {}).sort()).toEqual(['body', 'endedAt', 'method', 'path', 'providerId', 'query', 'seq', 'service', 'startedAt', 'status']);
  });

  it('scrubs token-looking text from unparsable bodies and never logs a caller-chosen admin token', async () => {
    const api = await start({ token: 'my-own-admin-token-123' });
    const s = sim as RunningSim;
    expect(s.info.token).toBe('my-own-admin-token-123');
    expect((await api.oz('GET', '/user')).body.userId).toBe(s.info.serviceUserId);
    const named = await api.oz('POST', '/user/tokens/named', { name: 'leaky' });
    const raw = `{"broken": "${named.body.token}", "also": "my-own-admin-token-123"`;
    const r = await api.oz('POST', '/tokens/examine', undefined, { raw, headers: { 'content-type': 'application/json' } });
    expect(errorOf(r).id).toBe('malformedData');
    const text = JSON.stringify(s.requests());
    expect(text).not.toContain(named.body.token);
    expect(text).not.toContain('my-own-admin-token-123');
    expect(text).toContain('[REDACTED]');
  });

  it('POST /_sim/reset empties state and log and re-seeds the same ids and token', async () => {
    const api = await start();
    const s = sim as RunningSim;
    await provision(api);
    const res = await fetch(`${s.url}/_sim/reset`, { method: 'POST' });
    expect(res.status).toBe(204);
    expect(counts(s)).toMatchObject({ spaces: 0, storages: 0, supports: 0, groups: 2 });
    expect(s.requests()).toEqual([]);
    const user = await api.oz('GET', '/user');
    expect(user.body.userId).toBe(s.info.serviceUserId);
    expect((await api.oz('GET', `/groups/${s.info.managerGroupId}`)).status).toBe(200);
    await provision(api);
    s.reset();
    expect(counts(s)['spaces']).toBe(0);
  });

  it('POST /_sim/config applies knobs at once and rejects unknown ones', async () => {
    const api = await start();
    const s = sim as RunningSim;
    const ok = await fetch(`${s.url}/_sim/config`, { method: 'POST', body: JSON.stringify({ faultRate: 1 }) });
    expect(ok.status).toBe(200);
    expect(s.knobs().faultRate).toBe(1);
    const outcome = await api.oz('GET', '/user').then(
      (r) => r.status,
      () => 0,
    );
    expect([0, 503]).toContain(outcome);
    const bad = await fetch(`${s.url}/_sim/config`, { method: 'POST', body: JSON.stringify({ faultRate: 2 }) });
    expect(bad.status).toBe(400);
    const unknown = await fetch(`${s.url}/_sim/config`, { method: 'POST', body: JSON.stringify({ speed: 1 }) });
    expect(unknown.status).toBe(400);
    expect(() => s.configure({ latencyMs: -1 })).toThrow();
  });
});

describe('several providers', () => {
  it('serves each provider on its own URL and refuses a second imported storage for the same space', async () => {
    const api = await start({ providers: 2 });
    const s = sim as RunningSim;
    expect(s.info.providers).toHaveLength(2);
    expect(s.info.providers[1]?.url).not.toBe(s.url);
    const conf = await api.op('GET', '/configuration', undefined, { provider: 1 });
    expect(conf.body.providerId).toBe(s.info.providerIds[1]);
    expect((await api.oz('GET', '/configuration', undefined, { provider: 1, token: null })).status).toBe(200);
    const zoneOnSecond = await fetch(`${s.info.providers[1]?.url}/api/v3/onezone/configuration`);
    expect(zoneOnSecond.status).toBe(404);
    const { spaceId } = await provision(api);
    const token = await supportToken(api, spaceId);
    const imported2 = await createStorage(api, 'p2_imported', importedPosix('p2'), 1);
    const clash = await api.panel('POST', '/provider/spaces', { token, size: 2_000_000, storageId: imported2 }, { provider: 1 });
    expect(clash.status).toBe(409);
    expect(actionErrorOf(clash).id).toBe('spaceAlreadySupportedWithImportedStorage');
    const plain2 = await createStorage(api, 'p2_plain', { type: 'posix', mountPoint: '/mnt/p2' }, 1);
    expect((await api.panel('POST', '/provider/spaces', { token, size: 3_000_000, storageId: plain2 }, { provider: 1 })).status).toBe(201);
    expect(Object.keys((await api.oz('GET', `/spaces/${spaceId}`)).body.providers).sort()).toEqual([...s.info.providerIds].sort());
    expect((await api.op('GET', `/spaces/${spaceId}`, undefined, { provider: 1 })).body.providers).toHaveLength(2);
  });
});

describe('lifecycle and CLI', () => {
  it('close() stops the server (later calls fail)', async () => {
    const api = await start();
    const s = sim as RunningSim;
    await provision(api);
    await s.close();
    await expect(fetch(`${s.url}/api/v3/onezone/configuration`)).rejects.toThrow();
    await sleep(5);
  });

  it('parses flags and ONEDATA_SIM_* variables, flags winning, with a 25 ms CLI latency default', () => {
    expect(parseCli([], {})).toEqual({ latencyMs: 25 });
    expect(parseCli(['--port', '9999', '--fault-rate=0.2', '--providers', '2'], { ONEDATA_SIM_LATENCY_MS: '5', ONEDATA_SIM_PORT: '1' })).toEqual({
      latencyMs: 5,
      port: 9999,
      faultRate: 0.2,
      providers: 2,
    });
    expect(() => parseCli(['--bogus', '1'], {})).toThrow(/unknown option/);
    expect(() => parseCli(['--latency-ms', 'fast'], {})).toThrow(/number/);
  });
});
