/**
 * Onepanel's `errorOnNodes` envelope, from the documented behaviour (reference notes §1.4, §5.1;
 * onepanel's REST test suite for `/provider/spaces`): the errors of service actions come as
 * `{"error":{"id":"errorOnNodes","description":…,"details":{"error":{<inner>},"hostnames":[…]}}}`
 * with the inner error's HTTP status; request-shape errors found before the action, and
 * authentication/authorization, come bare.
 */
import { describe, expect, it } from 'vitest';
import type { RunningSim } from '../../infra/local/onedata-sim/index.ts';
import { createSpace, createStorage, errorOf, importedPosix, provision, supportToken, useFreshSim, type Api, type Reply } from './simulator-helpers.ts';

let sim: RunningSim;
let api: Api;

useFreshSim((s) => ({ sim, api } = s), { scanDurationMs: 60_000 });

/** Asserts the wrapped shape and returns the inner error. */
function wrapped(reply: Reply, status: number): { id: string; description: string; details?: Record<string, unknown> } {
  expect(reply.status).toBe(status);
  const outer = errorOf(reply);
  expect(outer.id).toBe('errorOnNodes');
  expect(outer.details?.hostnames).toEqual([expect.any(String)]);
  const inner = outer.details?.error;
  expect(inner).toMatchObject({ id: expect.any(String), description: expect.any(String) });
  expect(outer.description).toContain(outer.details.hostnames[0]);
  expect(outer.description).toContain(inner.description);
  expect(Object.keys(outer.details).sort()).toEqual(['error', 'hostnames']);
  return inner;
}

/** Asserts a bare (unwrapped) error and returns it. */
function bare(reply: Reply, status: number): { id: string; details?: Record<string, unknown> } {
  expect(reply.status).toBe(status);
  expect(errorOf(reply).id).not.toBe('errorOnNodes');
  return errorOf(reply);
}

async function supportSetup(): Promise<{ spaceId: string; storageId: string; token: string }> {
  const spaceId = await createSpace(api);
  const storageId = await createStorage(api, 'st', importedPosix('st'));
  return { spaceId, storageId, token: await supportToken(api, spaceId) };
}

describe('POST /provider/spaces (support)', () => {
  it('a too-small size is 400 errorOnNodes(badValueTooLow{key:size})', async () => {
    const { storageId, token } = await supportSetup();
    const inner = wrapped(await api.panel('POST', '/provider/spaces', { token, size: 999_999, storageId }), 400);
    expect(inner).toMatchObject({ id: 'badValueTooLow', details: { key: 'size', limit: 1_000_000 } });
  });

  it('an unknown storageId is 400 errorOnNodes(badValueIdNotFound{key:storageId})', async () => {
    const { token } = await supportSetup();
    const inner = wrapped(await api.panel('POST', '/provider/spaces', { token, size: 2_000_000, storageId: 'no-such-storage' }), 400);
    expect(inner).toMatchObject({ id: 'badValueIdNotFound', details: { key: 'storageId' } });
  });

  it('a bad token is 400 errorOnNodes(badValueToken{key:token})', async () => {
    const { storageId } = await supportSetup();
    const inner = wrapped(await api.panel('POST', '/provider/spaces', { token: 'not-a-token', size: 2_000_000, storageId }), 400);
    expect(inner).toMatchObject({ id: 'badValueToken', details: { key: 'token', tokenError: { id: 'badToken' } } });
  });

  it('a repeated support is 409 errorOnNodes(relationAlreadyExists)', async () => {
    const { spaceId } = await provision(api);
    const other = await createStorage(api, 'other', importedPosix('other'));
    const inner = wrapped(await api.panel('POST', '/provider/spaces', { token: await supportToken(api, spaceId), size: 2_000_000, storageId: other }), 409);
    expect(inner).toMatchObject({ id: 'relationAlreadyExists', details: { childType: 'space', childId: spaceId, parentType: 'provider' } });
  });

  it('request-shape errors found before the action come bare: size not an integer, size missing', async () => {
    const { storageId, token } = await supportSetup();
    expect(bare(await api.panel('POST', '/provider/spaces', { token, size: 'big', storageId }), 400)).toMatchObject({
      id: 'badValueInteger',
      details: { key: 'size' },
    });
    expect(bare(await api.panel('POST', '/provider/spaces', { token, storageId }), 400)).toMatchObject({
      id: 'missingRequiredValue',
      details: { key: 'size' },
    });
  });

  it('authentication and authorization come bare', async () => {
    const { storageId, token } = await supportSetup();
    expect(bare(await api.panel('POST', '/provider/spaces', { token, size: 2_000_000, storageId }, { token: null }), 401).id).toBe('unauthorized');
    const r = await fetch(`${sim.url}/_sim/tokens`, { method: 'POST', body: JSON.stringify({ clusterPrivileges: ['cluster_view'] }) });
    const viewer = ((await r.json()) as { token: string }).token;
    expect(bare(await api.panel('POST', '/provider/spaces', { token, size: 2_000_000, storageId }, { token: viewer }), 403).id).toBe('forbidden');
  });
});

describe('the other service actions', () => {
  it('GET /provider/spaces/{unknown} is 404 errorOnNodes(notFound); PATCH and DELETE too', async () => {
    expect(wrapped(await api.panel('GET', '/provider/spaces/unknown-space'), 404).id).toBe('notFound');
    expect(wrapped(await api.panel('PATCH', '/provider/spaces/unknown-space', { size: 2_000_000 }), 404).id).toBe('notFound');
    expect(wrapped(await api.panel('DELETE', '/provider/spaces/unknown-space'), 404).id).toBe('notFound');
  });

  it('PATCH with a too-small size is 400 errorOnNodes(badValueTooLow); an empty PATCH is a bare shape error', async () => {
    const { spaceId } = await provision(api);
    expect(wrapped(await api.panel('PATCH', `/provider/spaces/${spaceId}`, { size: 10 }), 400)).toMatchObject({
      id: 'badValueTooLow',
      details: { key: 'size' },
    });
    expect(bare(await api.panel('PATCH', `/provider/spaces/${spaceId}`, {}), 400).id).toBe('missingAtLeastOneValue');
    expect(bare(await api.panel('PATCH', `/provider/spaces/${spaceId}`, { size: 'x' }), 400).id).toBe('badValueInteger');
  });

  it('storage delete: 400 errorOnNodes(storageInUse) while it supports a space', async () => {
    const { storageId } = await provision(api);
    expect(wrapped(await api.panel('DELETE', `/provider/storages/${storageId}`), 400).id).toBe('storageInUse');
  });

  it('storage import: force-start while scanning is 409 errorOnNodes(alreadyExists); manual-mode calls wrapped too', async () => {
    const auto = await provision(api);
    expect(wrapped(await api.panel('POST', `/provider/spaces/${auto.spaceId}/storage-import/auto/force-start`), 409).id).toBe('alreadyExists');
    const manual = await provision(api, { name: 'dataset_2', mode: 'manual' });
    const base = `/provider/spaces/${manual.spaceId}/storage-import`;
    expect(wrapped(await api.panel('POST', `${base}/auto/force-start`), 400).id).toBe('requiresAutoStorageImportMode');
    expect(wrapped(await api.panel('POST', `${base}/auto/force-stop`), 400).id).toBe('requiresAutoStorageImportMode');
    expect(wrapped(await api.panel('GET', `${base}/auto/info`), 404).id).toBe('notFound');
    expect(wrapped(await api.panel('GET', `${base}/auto/stats?period=hour&metrics=createdFiles`), 404).id).toBe('notFound');
    expect(wrapped(await api.panel('GET', `/provider/spaces/${auto.spaceId}/storage-import/manual/example`), 400).id).toBe('requiresManualStorageImportMode');
  });

  it('storage import stats: missing query parameters are bare shape errors', async () => {
    const { spaceId } = await provision(api);
    expect(bare(await api.panel('GET', `/provider/spaces/${spaceId}/storage-import/auto/stats`), 400)).toMatchObject({
      id: 'missingRequiredValue',
      details: { key: 'period' },
    });
  });
});
