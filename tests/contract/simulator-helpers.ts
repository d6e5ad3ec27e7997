/**
 * Helpers for the simulator contract tests: a fetch-based caller for the three services and the
 * fs2od-style provisioning steps (space → support token → storage → support).
 */
import { afterEach, beforeEach } from 'vitest';
import { startOnedataSim, type RunningSim, type StartOptions } from '../../infra/local/onedata-sim/index.ts';

/** Test bodies are free-form JSON. */
export type Json = any;

export interface Reply {
  status: number;
  headers: Headers;
  body: Json;
  text: string;
}

export type Service = 'onezone' | 'oneprovider' | 'onepanel';

export interface CallOptions {
  token?: string | null;
  provider?: number;
  headers?: Record<string, string>;
  raw?: string;
}

export interface Api {
  sim: RunningSim;
  call(service: Service, method: string, path: string, body?: unknown, opts?: CallOptions): Promise<Reply>;
  oz(method: string, path: string, body?: unknown, opts?: CallOptions): Promise<Reply>;
  op(method: string, path: string, body?: unknown, opts?: CallOptions): Promise<Reply>;
  panel(method: string, path: string, body?: unknown, opts?: CallOptions): Promise<Reply>;
}

export function apiFor(sim: RunningSim): Api {
  const call = async (service: Service, method: string, path: string, body?: unknown, opts: CallOptions = {}): Promise<Reply> => {
    const base = service === 'onezone' ? sim.url : (sim.info.providers[opts.provider ?? 0]?.url ?? sim.url);
    const headers: Record<string, string> = { ...opts.headers };
    const token = opts.token === undefined ? sim.info.token : opts.token;
    if (token !== null) headers['x-auth-token'] = token;
    let payload: string | undefined = opts.raw;
    if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(`${base}/api/v3/${service}${path}`, { method, headers, body: payload });
    const text = await res.text();
    let parsed: Json = undefined;
    if (text !== '') parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed, text };
  };
  return {
    sim,
    call,
    oz: (m, p, b, o) => call('onezone', m, p, b, o),
    op: (m, p, b, o) => call('oneprovider', m, p, b, o),
    panel: (m, p, b, o) => call('onepanel', m, p, b, o),
  };
}

export async function startSim(opts: StartOptions = {}): Promise<{ sim: RunningSim; api: Api }> {
  const sim = await startOnedataSim({ port: 0, scanDurationMs: 40, transferDurationMs: 40, ...opts });
  return { sim, api: apiFor(sim) };
}

/** A fresh simulator for every test of the file, closed after it; `set` receives it. */
export function useFreshSim(set: (s: { sim: RunningSim; api: Api }) => void, opts: StartOptions = {}): void {
  let current: RunningSim | undefined;
  beforeEach(async () => {
    const started = await startSim(opts);
    current = started.sim;
    set(started);
  });
  afterEach(async () => {
    await current?.close();
  });
}

export function lastSegment(location: string | null): string {
  if (!location) throw new Error('no Location header');
  return location.split('/').pop() ?? '';
}

export function errorOf(reply: Reply): { id: string; description: string; details?: Json } {
  return reply.body?.error;
}

/**
 * The inner error of an Onepanel service-action failure, which Onepanel wraps as
 * `errorOnNodes {error: <inner>, hostnames}` (reference notes §1.4); fails the test if the answer
 * is not wrapped that way.
 */
export function actionErrorOf(reply: Reply): { id: string; description: string; details?: Json } {
  const outer = errorOf(reply);
  if (outer?.id !== 'errorOnNodes') throw new Error(`expected an errorOnNodes answer, got ${reply.status} ${reply.text}`);
  const inner = outer.details?.error;
  if (!inner || !Array.isArray(outer.details?.hostnames) || outer.details.hostnames.length === 0) {
    throw new Error(`errorOnNodes without an inner error or hostnames: ${reply.text}`);
  }
  return inner;
}

export const nowS = (): number => Math.floor(Date.now() / 1000);

export async function createSpace(api: Api, name = 'dataset_1', extra: Record<string, unknown> = {}): Promise<string> {
  const r = await api.oz('POST', `/groups/${api.sim.info.managerGroupId}/spaces`, { name, ...extra });
  if (r.status !== 201) throw new Error(`space create failed: ${r.status} ${r.text}`);
  return lastSegment(r.headers.get('location'));
}

export async function supportToken(api: Api, spaceId: string, ttl = 120): Promise<string> {
  const r = await api.oz('POST', '/user/tokens/temporary', {
    type: { inviteToken: { inviteType: 'supportSpace', spaceId } },
    caveats: [{ type: 'time', validUntil: nowS() + ttl }],
  });
  if (r.status !== 201) throw new Error(`support token failed: ${r.status} ${r.text}`);
  return r.body.token;
}

export async function createStorage(api: Api, name: string, config: Record<string, unknown>, provider = 0): Promise<string> {
  const r = await api.panel('POST', '/provider/storages', { [name]: config }, { provider });
  if (r.status !== 200) throw new Error(`storage create failed: ${r.status} ${r.text}`);
  return r.body[name].id;
}

export const importedPosix = (dir: string): Record<string, unknown> => ({
  type: 'posix',
  mountPoint: `/volumes/datasets/${dir}`,
  importedStorage: true,
  readonly: true,
});

export const importedS3 = (bucket: string): Record<string, unknown> => ({
  type: 's3',
  hostname: 'http://127.0.0.1:7480',
  bucketName: bucket,
  accessKey: 'AK',
  secretKey: 'SK',
  importedStorage: true,
  readonly: true,
  storagePathType: 'canonical',
  blockSize: 0,
});

export interface Provisioned {
  spaceId: string;
  storageId: string;
}

/** Space for the manager group, supported by provider `provider` on a fresh imported storage. */
export async function provision(
  api: Api,
  opts: { name?: string; storage?: Record<string, unknown>; mode?: 'auto' | 'manual'; provider?: number } = {},
): Promise<Provisioned> {
  const name = opts.name ?? 'dataset_1';
  const spaceId = await createSpace(api, name);
  const token = await supportToken(api, spaceId);
  const storageId = await createStorage(api, `${name}_storage`, opts.storage ?? importedPosix(name), opts.provider ?? 0);
  const r = await api.panel(
    'POST',
    '/provider/spaces',
    {
      token,
      size: 10_995_116_277_760,
      storageId,
      storageImport: { mode: opts.mode ?? 'auto' },
    },
    { provider: opts.provider ?? 0 },
  );
  if (r.status !== 201) throw new Error(`support failed: ${r.status} ${r.text}`);
  return { spaceId, storageId };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns true (or fails after `timeoutMs`). */
export async function until(check: () => Promise<boolean>, timeoutMs = 3000, stepMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(stepMs);
  }
}
