/**
 * Inspection and control endpoints under `/_sim` (never part of the Onedata API, no auth, no latency,
 * no faults, not logged): info, state, request log, reset, knobs, extra users/tokens, storage content.
 */
import { randomBytes } from 'node:crypto';
import { errorBody } from '../errors.ts';
import { json, noContent, ok, parseJsonBody, type SimResponse } from '../http.ts';
import { randomId } from '../ids.ts';
import { KnobError, validateKnobs } from '../knobs.ts';
import type { StorageObject } from '../model.ts';
import { CLUSTER_ADMIN, GROUP_ADMIN, OZ_PRIVILEGES } from '../privileges.ts';
import type { Sim } from '../sim.ts';
import { serializeToken, type Caveat } from '../tokens.ts';

const simError = (status: number, id: string, description: string): SimResponse => json(status, errorBody({ id, description }));

function asRecord(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function stringList(value: unknown, allowed?: readonly string[]): string[] | null {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || (allowed !== undefined && !allowed.includes(v)))) return null;
  return value as string[];
}

/** `POST /_sim/tokens`: a (new) user with chosen cluster/Onezone privileges and group memberships, and an access token for them. */
function createUserToken(sim: Sim, body: Record<string, unknown>): SimResponse {
  const { state } = sim;
  const userId = typeof body['userId'] === 'string' ? body['userId'] : randomId();
  let user = state.users.get(userId);
  if (!user) {
    if (body['userId'] !== undefined) return simError(404, 'notFound', `no user ${userId}`);
    const username = typeof body['username'] === 'string' ? body['username'] : `sim-user-${userId.slice(0, 6)}`;
    user = { id: userId, username, fullName: username, creationTime: sim.nowS(), ozPrivileges: [], temporaryTokenGeneration: 1 };
    state.users.set(userId, user);
  }
  if (body['ozPrivileges'] !== undefined) {
    const list = stringList(body['ozPrivileges'], OZ_PRIVILEGES);
    if (!list) return simError(400, 'badValueListNotAllowed', 'ozPrivileges must be a list of Onezone privileges');
    user.ozPrivileges = list;
  }
  if (body['clusterPrivileges'] !== undefined) {
    const list = stringList(body['clusterPrivileges'], CLUSTER_ADMIN);
    if (!list) return simError(400, 'badValueListNotAllowed', 'clusterPrivileges must be a list of cluster privileges');
    for (const p of state.providers) p.cluster.set(userId, list);
  }
  const groups = body['groups'] === undefined ? {} : asRecord(body['groups']);
  if (!groups) return simError(400, 'badValueJSON', 'groups must map group ids to privilege lists');
  for (const [groupId, privileges] of Object.entries(groups)) {
    const group = state.groups.get(groupId);
    const list = stringList(privileges, GROUP_ADMIN);
    if (!group || !list) return simError(400, 'badValueIdentifier', `bad group ${groupId} or privileges`);
    group.users.set(userId, sim.relation(list));
  }
  const caveats = (Array.isArray(body['caveats']) ? body['caveats'] : []) as Caveat[];
  const id = randomId();
  const secret = randomBytes(32).toString('hex');
  const type = { accessToken: {} } as const;
  const serialized = serializeToken(sim.seed.zoneDomain, { persistence: 'named', subjectUserId: userId, type, id }, caveats, secret);
  state.namedTokens.set(id, {
    id,
    name: `sim-token-${id.slice(0, 8)}`,
    subjectUserId: userId,
    type,
    caveats,
    customMetadata: {},
    revoked: false,
    creationTime: sim.nowS(),
    usageLimit: 'infinity',
    usageCount: 0,
    privileges: null,
    secret,
    serialized,
  });
  return ok({ userId, tokenId: id, token: serialized });
}

/** `POST /_sim/storage-content`: what an auto-import scan or a registration will find on a storage. */
function setStorageContent(sim: Sim, body: Record<string, unknown>): SimResponse {
  const storageId = body['storageId'];
  const storage = sim.state.providers.map((p) => p.storages.get(String(storageId))).find((s) => s !== undefined);
  if (!storage) return simError(404, 'notFound', `no storage ${String(storageId)}`);
  const objects = asRecord(body['objects']);
  if (!objects) return simError(400, 'badValueJSON', 'objects must map paths to {size, mtime?}');
  const content = body['replace'] === false && storage.content ? storage.content : new Map<string, StorageObject>();
  for (const [path, value] of Object.entries(objects)) {
    const o = asRecord(value);
    if (!o || typeof o['size'] !== 'number') return simError(400, 'badValueJSON', `bad object ${path}`);
    if (o['deleted'] === true) content.delete(path.replace(/^\/+/, ''));
    else content.set(path.replace(/^\/+/, ''), { size: o['size'], mtime: typeof o['mtime'] === 'number' ? o['mtime'] : sim.nowS() });
  }
  storage.content = content;
  return ok({ storageId: storage.id, objects: content.size });
}

export function handleSimRequest(sim: Sim, method: string, path: string, rawBody: string): SimResponse {
  let body: unknown;
  try {
    body = parseJsonBody(rawBody);
  } catch {
    return simError(400, 'malformedData', 'body is not JSON');
  }
  const record = asRecord(body ?? {});
  const route = `${method} ${path.replace(/\/+$/, '')}`;
  switch (route) {
    case 'GET /_sim/info':
      return ok(sim.info());
    case 'GET /_sim/state':
      sim.gc();
      return ok(sim.state.snapshot(sim.nowMs()));
    case 'GET /_sim/requests':
      return ok(sim.log.entries());
    case 'POST /_sim/reset':
      sim.reset();
      return noContent();
    case 'POST /_sim/propagate':
      sim.propagateAll();
      return noContent();
    case 'GET /_sim/config':
      return ok(sim.knobs);
    case 'POST /_sim/config':
      try {
        Object.assign(sim.knobs, validateKnobs(body ?? {}));
        return ok(sim.knobs);
      } catch (e) {
        if (e instanceof KnobError) return simError(400, 'badSimConfig', e.message);
        throw e;
      }
    case 'POST /_sim/tokens':
      return record ? createUserToken(sim, record) : simError(400, 'badValueJSON', 'body must be an object');
    case 'POST /_sim/storage-content':
      return record ? setStorageContent(sim, record) : simError(400, 'badValueJSON', 'body must be an object');
    default:
      return simError(404, 'notFound', `no simulator endpoint ${route}`);
  }
}
