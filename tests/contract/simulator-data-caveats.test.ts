/**
 * Data access caveats, as the 21.02.7 spec (`definitions/tokens/caveat_data_*.yaml`, reference
 * notes §2.5) and op-worker's data_constraints module describe them: a token confined with
 * `data.path` (base64 of the canonical path `/<spaceId>/…`) reaches only those paths (their
 * ancestors can be stat-ed and listed, showing only the way in), `data.readonly` refuses every
 * write with `400 posix {errno:"eacces"}`, an expired `time` caveat is `401 unauthorized
 * {authError: tokenCaveatUnverified}`, `interface: oneclient` is refused on REST, and data caveats
 * keep a token out of Onezone. This is what `s3od access` relies on (docs/access.md).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { RunningSim } from '../../infra/local/onedata-sim/index.ts';
import { errorOf, nowS, provision, useFreshSim, type Api, type Json } from './simulator-helpers.ts';

let sim: RunningSim;
let api: Api;

useFreshSim((s) => ({ sim, api } = s));

const b64 = (path: string): string => Buffer.from(path).toString('base64');

interface SpaceFixture {
  spaceId: string;
  files: Record<string, string>;
}

/** A space in manual import mode with `paths` registered; returns their file ids. */
async function spaceWith(name: string, paths: string[]): Promise<SpaceFixture> {
  const { spaceId, storageId } = await provision(api, { name, mode: 'manual' });
  const files: Record<string, string> = {};
  for (const path of paths) {
    const r = await api.op('POST', '/data/register', {
      spaceId,
      storageId,
      storageFileId: `/${path}`,
      destinationPath: `/${path}`,
      size: 1,
      autoDetectAttributes: false,
    });
    expect(r.status).toBe(201);
    files[path] = r.body.fileId;
  }
  return { spaceId, files };
}

/** A named access token of the service user with `caveats`. */
async function tokenWith(name: string, caveats: unknown[]): Promise<string> {
  const r = await api.oz('POST', '/user/tokens/named', { name, type: { accessToken: {} }, caveats });
  expect(r.status).toBe(201);
  return r.body.token;
}

const eacces = { id: 'posix', details: { errno: 'eacces' } };

let a: SpaceFixture;
let b: SpaceFixture;

beforeEach(async () => {
  a = await spaceWith('dataset_a', ['Movies/m1.tiff', 'Other/o1.txt']);
  b = await spaceWith('dataset_b', ['x.tiff']);
  const meta = await api.op('PUT', `/data/${a.files['Movies/m1.tiff']}/metadata/json`, { sample: 'A' });
  expect(meta.status).toBe(204);
});

describe('a token confined to one space (time, data.readonly, data.path of the space)', () => {
  let token: string;
  beforeEach(async () => {
    token = await tokenWith('compute_a', [
      { type: 'time', validUntil: nowS() + 3600 },
      { type: 'data.readonly' },
      { type: 'data.path', whitelist: [b64(`/${a.spaceId}`)] },
    ]);
  });

  it('lists and reads that space: its spaces list, root, listing, attributes, JSON metadata', async () => {
    const spaces = await api.op('GET', '/spaces', undefined, { token });
    expect(spaces.status).toBe(200);
    expect(spaces.body.map((s: { spaceId: string }) => s.spaceId)).toEqual([a.spaceId]);
    expect((await api.op('GET', `/spaces/${a.spaceId}`, undefined, { token })).status).toBe(200);
    const root = await api.op('GET', `/data/${a.spaceId}/children`, undefined, { token });
    expect(root.status).toBe(200);
    expect(root.body.children.map((c: { name: string }) => c.name)).toEqual(['Movies', 'Other']);
    const attrs = await api.op('GET', `/data/${a.files['Movies/m1.tiff']}`, undefined, { token });
    expect(attrs.status).toBe(200);
    expect(attrs.body.name).toBe('m1.tiff');
    const meta = await api.op('GET', `/data/${a.files['Movies/m1.tiff']}/metadata/json`, undefined, { token });
    expect(meta.status).toBe(200);
    expect(meta.body).toEqual({ sample: 'A' });
  });

  it('sees nothing of another space the same user can read: eacces, 403, left out of GET /spaces', async () => {
    // The subject (the service user) reads space B with an unconfined token.
    expect((await api.op('GET', `/data/${b.spaceId}/children`)).status).toBe(200);
    for (const path of [`/data/${b.spaceId}`, `/data/${b.spaceId}/children`, `/data/${b.files['x.tiff']}`]) {
      const r = await api.op('GET', path, undefined, { token });
      expect(r.status, path).toBe(400);
      expect(errorOf(r), path).toMatchObject(eacces);
    }
    const space = await api.op('GET', `/spaces/${b.spaceId}`, undefined, { token });
    expect(space.status).toBe(403);
    expect(errorOf(space).id).toBe('forbidden');
  });

  it('cannot write: JSON metadata, mode, file registration are eacces and change nothing', async () => {
    const file = a.files['Movies/m1.tiff']!;
    const put = await api.op('PUT', `/data/${file}/metadata/json`, { sample: 'changed' }, { token });
    expect(put.status).toBe(400);
    expect(errorOf(put)).toMatchObject(eacces);
    const del = await api.op('DELETE', `/data/${file}/metadata/json`, undefined, { token });
    expect(errorOf(del)).toMatchObject(eacces);
    const mode = await api.op('PUT', `/data/${file}`, { mode: '777' }, { token });
    expect(errorOf(mode)).toMatchObject(eacces);
    const storageId = (sim.state() as Json).supports.find((s: { spaceId: string }) => s.spaceId === a.spaceId).storageId;
    const reg = await api.op(
      'POST',
      '/data/register',
      { spaceId: a.spaceId, storageId, storageFileId: '/new.tiff', destinationPath: '/new.tiff', size: 1, autoDetectAttributes: false },
      { token },
    );
    expect(errorOf(reg)).toMatchObject(eacces);
    expect((await api.op('GET', `/data/${file}/metadata/json`)).body).toEqual({ sample: 'A' });
    expect((await api.op('GET', `/data/${file}`)).body.mode).not.toBe('777');
    expect((await api.op('GET', `/data/${a.spaceId}/children`)).body.children.map((c: { name: string }) => c.name)).toEqual(['Movies', 'Other']);
  });

  it('is not a Onezone or share token: data caveats keep it to data access', async () => {
    const user = await api.oz('GET', '/user', undefined, { token });
    expect(user.status).toBe(401);
    expect(errorOf(user).details.authError.id).toBe('tokenCaveatUnverified');
    const share = await api.op('POST', '/shares', { name: 'x', rootFileId: a.files['Movies/m1.tiff'] }, { token });
    expect(share.status).toBe(401);
  });

  it('stops working once revoked (401 tokenRevoked)', async () => {
    const id = (sim.state() as Json).tokens.find((t: { name: string }) => t.name === 'compute_a').id;
    expect((await api.oz('PATCH', `/tokens/named/${id}`, { revoked: true })).status).toBe(204);
    const r = await api.op('GET', `/data/${a.spaceId}/children`, undefined, { token });
    expect(r.status).toBe(401);
    expect(errorOf(r).details.authError.id).toBe('tokenRevoked');
  });
});

describe('a data.path whitelist below the space root', () => {
  it('shows only the way in above it, and allows writes under it without data.readonly', async () => {
    const token = await tokenWith('compute_movies', [{ type: 'data.path', whitelist: [b64(`/${a.spaceId}/Movies/`)] }]);
    const root = await api.op('GET', `/data/${a.spaceId}/children`, undefined, { token });
    expect(root.status).toBe(200);
    expect(root.body.children.map((c: { name: string }) => c.name)).toEqual(['Movies']);
    expect((await api.op('GET', `/data/${a.spaceId}`, undefined, { token })).status).toBe(200);
    // An ancestor can be stat-ed and listed, not read.
    expect(errorOf(await api.op('GET', `/data/${a.spaceId}/metadata/json`, undefined, { token }))).toMatchObject(eacces);
    expect(errorOf(await api.op('GET', `/data/${a.files['Other/o1.txt']}`, undefined, { token }))).toMatchObject(eacces);
    expect((await api.op('PUT', `/data/${a.files['Movies/m1.tiff']}/metadata/json`, { ok: 1 }, { token })).status).toBe(204);
    expect(errorOf(await api.op('PUT', `/data/${a.files['Other/o1.txt']}/metadata/json`, { ok: 1 }, { token }))).toMatchObject(eacces);
  });

  it('takes the intersection of several data.path caveats', async () => {
    const token = await tokenWith('compute_two', [
      { type: 'data.path', whitelist: [b64(`/${a.spaceId}`), b64(`/${b.spaceId}`)] },
      { type: 'data.path', whitelist: [b64(`/${b.spaceId}/x.tiff`)] },
    ]);
    expect(errorOf(await api.op('GET', `/data/${a.spaceId}`, undefined, { token }))).toMatchObject(eacces);
    expect((await api.op('GET', `/data/${b.files['x.tiff']}`, undefined, { token })).status).toBe(200);
  });
});

describe('time and interface caveats', () => {
  it('an expired time caveat is 401 unauthorized {authError: tokenCaveatUnverified {caveat}}', async () => {
    const validUntil = nowS() - 1;
    const token = await tokenWith('compute_expired', [
      { type: 'time', validUntil },
      { type: 'data.path', whitelist: [b64(`/${a.spaceId}`)] },
    ]);
    const r = await api.op('GET', `/data/${a.spaceId}/children`, undefined, { token });
    expect(r.status).toBe(401);
    expect(errorOf(r)).toMatchObject({
      id: 'unauthorized',
      details: { authError: { id: 'tokenCaveatUnverified', details: { caveat: { type: 'time', validUntil } } } },
    });
  });

  it('interface: oneclient is refused on REST (the simulator has no Oneclient interface)', async () => {
    const token = await tokenWith('compute_oneclient', [
      { type: 'interface', interface: 'oneclient' },
      { type: 'data.path', whitelist: [b64(`/${a.spaceId}`)] },
    ]);
    const r = await api.op('GET', `/data/${a.spaceId}/children`, undefined, { token });
    expect(r.status).toBe(401);
    expect(errorOf(r).details.authError).toMatchObject({ id: 'tokenCaveatUnverified', details: { caveat: { type: 'interface', interface: 'oneclient' } } });
  });
});
