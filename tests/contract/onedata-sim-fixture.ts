/** Shared set-up of the Onedata client contract tests: one simulator per file, reset before each test. */
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { startOnedataSim } from '../../infra/local/onedata-sim/index.ts';
import {
  createOnedataClient,
  OnedataError,
  waitUntilProviderSeesSpace,
  type OnedataClient,
  type OnedataClientConfig,
  type StorageSpec,
} from '../../shared/onedata/index.ts';
import type { Logger } from '../../shared/log/index.ts';

export type Sim = Awaited<ReturnType<typeof startOnedataSim>>;

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

/** Starts a simulator for the file's tests; `ctx.sim` and `ctx.od` are set before each test. */
export function useSim(): { sim: Sim; od: OnedataClient } {
  const ctx = {} as { sim: Sim; od: OnedataClient };
  beforeAll(async () => {
    ctx.sim = await startOnedataSim({ latencyMs: 0, propagationDelayMs: 0, faultRate: 0, scanDurationMs: 200 });
  });
  beforeEach(() => {
    ctx.sim.configure({ latencyMs: 0, propagationDelayMs: 0, faultRate: 0, lostResponseRate: 0, scanDurationMs: 200 });
    ctx.sim.reset();
    ctx.od = clientFor(ctx.sim);
  });
  afterAll(async () => {
    await ctx.sim?.close();
  });
  return ctx;
}

/** A client for the simulator with fast retries (the simulator never needs long backoff). */
export function clientFor(sim: Sim, overrides: Partial<OnedataClientConfig> = {}): OnedataClient {
  return createOnedataClient({
    onezoneUrl: sim.url,
    oneproviderUrl: sim.url,
    onezoneToken: sim.info.token,
    timeoutMs: 5000,
    retry: { retries: 6, baseDelayMs: 1, maxDelayMs: 10 },
    logger: silent,
    ...overrides,
  });
}

let counter = 0;
/** A unique, valid Onedata name. */
export function uniqueName(prefix = 'ds'): string {
  counter++;
  return `${prefix}_${Date.now().toString(36)}_${counter}`;
}

export function posixSpec(name: string, extra: Partial<StorageSpec> = {}): StorageSpec {
  return { type: 'posix', name, mountPoint: `/volumes/datasets/${name}`, importedStorage: true, readonly: true, ...extra } as StorageSpec;
}

export interface ProvisionedSpace {
  spaceId: string;
  storageId: string;
  name: string;
}

/** Space in the manager group + imported POSIX storage + support by the primary provider. */
export async function supportedSpace(
  od: OnedataClient,
  sim: Sim,
  opts: { name?: string; importMode?: 'auto' | 'manual'; size?: number } = {},
): Promise<ProvisionedSpace> {
  const name = opts.name ?? uniqueName();
  const spaceId = await od.zone.createSpace({ groupId: sim.info.managerGroupId, name, idGeneratorSeed: `seed/${name}` });
  const storageId = await od.panel.createStorage(posixSpec(name));
  const token = await od.zone.createSupportToken(spaceId, { ttlSeconds: 120 });
  await od.panel.supportSpace({ token, size: opts.size ?? 10_000_000, storageId, storageImport: { mode: opts.importMode ?? 'auto' } });
  return { spaceId, storageId, name };
}

/** `supportedSpace` and then wait until the provider serves it; returns its root dir id too. */
export async function visibleSpace(od: OnedataClient, sim: Sim, opts: { importMode?: 'auto' | 'manual' } = {}): Promise<ProvisionedSpace & { dirId: string }> {
  const space = await supportedSpace(od, sim, opts);
  const { dirId } = await waitUntilProviderSeesSpace(od, space.spaceId, { deadlineMs: 5000, initialDelayMs: 20, maxDelayMs: 100 });
  return { ...space, dirId };
}

/** The OnedataError a call fails with (the test fails if it succeeds or fails otherwise). */
export async function failure(p: Promise<unknown>): Promise<OnedataError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(OnedataError);
  return e as OnedataError;
}
