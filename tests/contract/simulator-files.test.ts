/**
 * Oneprovider directory listing, file attributes and POSIX mode changes, as 21.02.7 documents them
 * (reference notes §9.3, §9.4; spec `paths/data/id/children.yaml`, `paths/data/id.yaml`,
 * `definitions/data/get_directory_children_request.yaml`) and as fs2od calls them (§2.3 P8–P11).
 */
import { request } from 'node:http';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RunningSim } from '../../infra/local/onedata-sim/index.ts';
import { buildObjectId } from '../../infra/local/onedata-sim/ids.ts';
import { errorOf, provision, useFreshSim, type Api, type Json } from './simulator-helpers.ts';

let sim: RunningSim;
let api: Api;

useFreshSim((s) => ({ sim, api } = s));

let spaceId: string;
let storageId: string;
let dirId: string;

/**
 * `GET /api/v3/oneprovider<path>` with a JSON body, as 21.02.7 takes listing options (fetch refuses
 * a body on GET, so this uses node:http).
 */
function getWithBody(path: string, body: unknown): Promise<{ status: number; body: Json }> {
  const payload = JSON.stringify(body);
  const url = new URL(`${sim.url}/api/v3/oneprovider${path}`);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'GET', headers: { 'x-auth-token': sim.info.token, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const bodyError = (r: { body: Json }): Json => r.body?.error;

/** Registers `path` (manual import) and returns its file id. */
async function register(path: string, size = 1): Promise<string> {
  const r = await api.op('POST', '/data/register', {
    spaceId,
    storageId,
    storageFileId: `/${path}`,
    destinationPath: `/${path}`,
    size,
    autoDetectAttributes: false,
  });
  expect(r.status).toBe(201);
  return r.body.fileId;
}

/** Every entry of a listing, following `nextPageToken` page by page. */
async function listAll(id: string, limit: number): Promise<{ names: string[]; pages: number }> {
  const names: string[] = [];
  let token: string | null = null;
  let pages = 0;
  for (;;) {
    const r: { status: number; body: Json } = await getWithBody(`/data/${id}/children`, { limit, attributes: ['name'], ...(token ? { token } : {}) });
    expect(r.status).toBe(200);
    pages++;
    names.push(...r.body.children.map((c: { name: string }) => c.name));
    if (r.body.isLast) {
      expect(r.body.nextPageToken).toBeNull();
      return { names, pages };
    }
    expect(typeof r.body.nextPageToken).toBe('string');
    token = r.body.nextPageToken;
  }
}

beforeEach(async () => {
  ({ spaceId, storageId } = await provision(api, { mode: 'manual' }));
  dirId = (await api.op('GET', `/spaces/${spaceId}`)).body.dirId;
});

describe('GET /data/{id}/children', () => {
  it('lists a directory by name with no options: file_id and name (fs2od P10) and the 21.02.7 names', async () => {
    const b = await register('b.txt');
    const a = await register('a.txt');
    await register('sub/c.txt');
    const r = await api.op('GET', `/data/${dirId}/children`);
    expect(r.status).toBe(200);
    expect(r.body.isLast).toBe(true);
    expect(r.body.children.map((c: Json) => [c.name, c.file_id])).toEqual([
      ['a.txt', a],
      ['b.txt', b],
      ['sub', expect.any(String)],
    ]);
    expect(r.body.children[0]).toMatchObject({ fileId: a, type: 'REG', posixPermissions: expect.any(String) });
    expect(r.body.children[2].type).toBe('DIR');
  });

  it('also lists by space id (the space root) and lists a subdirectory by its id', async () => {
    await register('sub/c.txt');
    const root = await getWithBody(`/data/${spaceId}/children`, { attributes: ['fileId', 'name', 'type'] });
    expect(root.body.children).toEqual([{ fileId: expect.any(String), name: 'sub', type: 'DIR' }]);
    const sub = await getWithBody(`/data/${root.body.children[0].fileId}/children`, { attributes: ['name'] });
    expect(sub.body).toEqual({ children: [{ name: 'c.txt' }], isLast: true, nextPageToken: null });
  });

  it('pages with limit and nextPageToken until isLast, every name once', async () => {
    const names = Array.from({ length: 7 }, (_, i) => `f${i}.txt`);
    for (const n of names.slice().reverse()) await register(n);
    const all = await listAll(dirId, 3);
    expect(all.names).toEqual(names);
    expect(all.pages).toBe(3);
  });

  it('starts at index (inclusive, by name) and shifts by offset', async () => {
    for (const n of ['a', 'b', 'c', 'd', 'e']) await register(n);
    const from = await getWithBody(`/data/${dirId}/children`, { index: 'c', attributes: ['name'] });
    expect(from.body.children.map((c: Json) => c.name)).toEqual(['c', 'd', 'e']);
    const between = await getWithBody(`/data/${dirId}/children`, { index: 'bb', limit: 2, attributes: ['name'] });
    expect(between.body).toMatchObject({ children: [{ name: 'c' }, { name: 'd' }], isLast: false });
    const shifted = await getWithBody(`/data/${dirId}/children`, { index: 'c', offset: -1, limit: 2, attributes: ['name'] });
    expect(shifted.body.children.map((c: Json) => c.name)).toEqual(['b', 'c']);
  });

  it('takes the options from the query string too (merged over the body)', async () => {
    for (const n of ['a', 'b', 'c']) await register(n);
    const r = await getWithBody(`/data/${dirId}/children?limit=1&attributes=name`, { limit: 3 });
    expect(r.body).toMatchObject({ children: [{ name: 'a' }], isLast: false });
  });

  it('keeps the pre-21.02.7 form: ?attribute=file_id&attribute=name&limit&offset (fs2od P11)', async () => {
    const ids: Record<string, string> = {};
    for (const n of ['x1', 'x2', 'x3']) ids[n] = await register(n);
    const first = await api.op('GET', `/data/${dirId}/children?attribute=file_id&attribute=name&limit=2&offset=0`);
    expect(first.body.children).toEqual([
      { file_id: ids['x1'], name: 'x1' },
      { file_id: ids['x2'], name: 'x2' },
    ]);
    expect(first.body.isLast).toBe(false);
    const second = await api.op('GET', `/data/${dirId}/children?attribute=file_id&attribute=name&limit=2&offset=2`);
    expect(second.body).toMatchObject({ children: [{ file_id: ids['x3'], name: 'x3' }], isLast: true });
  });

  it('validates limit (1–1000), offset (−500..500), attribute names and a token', async () => {
    const zero = await getWithBody(`/data/${dirId}/children`, { limit: 0 });
    expect(zero.status).toBe(400);
    expect(bodyError(zero)).toMatchObject({ id: 'badValueNotInRange', details: { key: 'limit', low: 1, high: 1000 } });
    expect(errorOf(await api.op('GET', `/data/${dirId}/children?limit=1001`))).toMatchObject({ id: 'badValueNotInRange', details: { key: 'limit' } });
    expect(errorOf(await api.op('GET', `/data/${dirId}/children?limit=many`))).toMatchObject({ id: 'badValueInteger', details: { key: 'limit' } });
    expect(bodyError(await getWithBody(`/data/${dirId}/children`, { offset: 501 }))).toMatchObject({ id: 'badValueNotInRange', details: { key: 'offset' } });
    expect(bodyError(await getWithBody(`/data/${dirId}/children`, { attributes: ['colour'] })).id).toBe('badValueListNotAllowed');
    expect(errorOf(await api.op('GET', `/data/${dirId}/children?attribute=colour`)).id).toBe('badValueNotAllowed');
    expect((await getWithBody(`/data/${dirId}/children`, { token: 'not-a-token' })).status).toBe(400);
  });

  it('a missing file is 400 posix enoent; an unknown id is spaceNotSupportedBy; no token is 401', async () => {
    expect((await api.op('GET', `/data/${dirId}/children`)).body).toEqual({ children: [], isLast: true, nextPageToken: null });
    const ghost = await api.op('GET', `/data/${buildObjectId(`guid#${'f'.repeat(32)}#${spaceId}`)}/children`);
    expect(ghost.status).toBe(400);
    expect(errorOf(ghost)).toMatchObject({ id: 'posix', details: { errno: 'enoent' } });
    expect(errorOf(await api.op('GET', '/data/not-an-id/children'))).toMatchObject({ id: 'spaceNotSupportedBy', details: { spaceId: 'not-an-id' } });
    expect((await api.op('GET', `/data/${dirId}/children`, undefined, { token: null })).status).toBe(401);
  });
});

describe('GET /data/{id} (fs2od P8)', () => {
  it('type is DIR/REG in upper case and mode is an octal string, under the old and the new names', async () => {
    const fileId = await register('a.txt');
    const dir = await api.op('GET', `/data/${dirId}`);
    expect(dir.body).toMatchObject({ type: 'DIR', mode: expect.stringMatching(/^[0-7]{3,4}$/) });
    const file = await api.op('GET', `/data/${fileId}`);
    expect(file.body).toMatchObject({ type: 'REG', mode: file.body.posixPermissions, file_id: fileId, fileId });
  });
});

describe('PUT /data/{id} (fs2od P9)', () => {
  it('sets the mode from an octal string: 204, then GET shows it', async () => {
    const fileId = await register('a.txt');
    const r = await api.op('PUT', `/data/${fileId}`, { mode: '0775' });
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    expect((await api.op('GET', `/data/${fileId}?attributes=posixPermissions`)).body).toEqual({ posixPermissions: '775' });
    expect((await api.op('PUT', `/data/${dirId}`, { mode: '1777' })).status).toBe(204);
    expect((await api.op('GET', `/data/${dirId}?attribute=mode`)).body).toEqual({ mode: '1777' });
    expect((await api.op('PUT', `/data/${spaceId}`, { mode: '750' })).status).toBe(204);
    expect((await api.op('GET', `/data/${dirId}`)).body.mode).toBe('750');
  });

  it('rejects a mode outside 0–01777 (badValueNotInRange) and a non-octal one (badValueInteger)', async () => {
    const fileId = await register('a.txt');
    const high = await api.op('PUT', `/data/${fileId}`, { mode: '77777' });
    expect(high.status).toBe(400);
    expect(errorOf(high)).toMatchObject({ id: 'badValueNotInRange', details: { key: 'mode', low: 0, high: 0o1777 } });
    expect(errorOf(await api.op('PUT', `/data/${fileId}`, { mode: '2000' })).id).toBe('badValueNotInRange');
    for (const bad of ['0888', 'rwx', true]) {
      expect(errorOf(await api.op('PUT', `/data/${fileId}`, { mode: bad }))).toMatchObject({ id: 'badValueInteger', details: { key: 'mode' } });
    }
    expect(errorOf(await api.op('PUT', `/data/${fileId}`, {}))).toMatchObject({ id: 'missingRequiredValue', details: { key: 'mode' } });
    expect((await api.op('GET', `/data/${fileId}`)).body.mode).toBe('664');
  });
});
