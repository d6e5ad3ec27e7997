/**
 * Onepanel storages (`/provider/storages`): create from a name → config map with a per-storage result
 * map (`200` when all succeeded, `400` with `{name: {error}}` entries otherwise), get, list, delete.
 */
import { authenticate, requireCluster } from '../auth.ts';
import { err, fail, type ErrorJson } from '../errors.ts';
import { noContent, objectBody, ok, type Ctx, type Router } from '../http.ts';
import { randomId } from '../ids.ts';
import type { Storage } from '../model.ts';
import { isValidName } from '../names.ts';
import { validateBody, type SchemaName } from '../schemas.ts';
import { censor } from '../state.ts';
import { serviceAction } from './onepanel-action.ts';

const SIMULATED_TYPES = ['posix', 's3', 'nulldevice', 'http'];
const ALL_TYPES = ['posix', 's3', 'cephrados', 'swift', 'glusterfs', 'nulldevice', 'webdav', 'xrootd', 'nfs', 'http'];
export const OBJECT_STORAGES = ['s3', 'cephrados', 'swift'];
export const AUTO_IMPORT_STORAGES = ['posix', 'glusterfs', 'nulldevice', 'webdav', 'xrootd', 'nfs'];
export const AUTO_IMPORT_OBJECT_STORAGES = ['s3'];

const DEFAULTS: Record<string, Record<string, unknown>> = {
  posix: { storagePathType: 'canonical', rootUid: 0, rootGid: 0 },
  s3: {
    accessKey: '',
    secretKey: '',
    signatureVersion: 4,
    region: 'us-east-1',
    verifyServerCertificate: true,
    blockSize: 10_485_760,
    storagePathType: 'flat',
    maximumCanonicalObjectSize: 67_108_864,
    fileMode: '0664',
    dirMode: '0775',
  },
  nulldevice: { storagePathType: 'canonical', latencyMin: 0, latencyMax: 0 },
  http: { credentialsType: 'none', verifyServerCertificate: true, storagePathType: 'canonical', fileMode: '0664' },
};
const COMMON_KEYS = ['type', 'importedStorage', 'readonly', 'archiveStorage', 'qosParameters', 'lumaFeed'];

/** Whole-request validation of one entry (structure, URL and octal formats); throws on the first problem. */
function parseEntry(name: string, config: unknown): Record<string, unknown> {
  const prefix = `${name}.`;
  const typed = validateBody('storageType', config, prefix);
  const type = String(typed['type']);
  if (!SIMULATED_TYPES.includes(type)) fail(err.badValueNotAllowed(`${prefix}type`, ALL_TYPES));
  const body = validateBody(type as SchemaName, config, prefix);
  if (type === 's3') {
    let url: URL | null;
    try {
      url = new URL(String(body['hostname']));
    } catch {
      url = null;
    }
    if (!url || !['http:', 'https:'].includes(url.protocol)) fail(err.badData(`${prefix}hostname`));
  }
  for (const key of ['fileMode', 'dirMode']) {
    if (body[key] !== undefined && !/^0?[0-7]{3,4}$/.test(String(body[key]))) fail(err.badValueOctal(`${prefix}${key}`));
  }
  return body;
}

/** Configuration checks of `storage:verify_configuration` and the storage test; an error goes into the result map. */
function checkEntry(name: string, body: Record<string, unknown>, params: Record<string, unknown>): ErrorJson | null {
  if (!isValidName(name)) return err.badValueName('name');
  const imported = body['importedStorage'] === true;
  if (body['readonly'] === true && !imported) return err.requiresImportedStorage(name);
  if (body['type'] === 'http' && body['readonly'] !== true) return err.requiresReadonlyStorage('http');
  if (imported && OBJECT_STORAGES.includes(String(body['type'])) && (params['storagePathType'] !== 'canonical' || params['blockSize'] !== 0)) {
    return err.storageImportNotSupported(name, OBJECT_STORAGES);
  }
  if (body['type'] === 'posix' && !String(body['mountPoint']).startsWith('/')) return err.storageTestFailed('read');
  return null;
}

function storageJson(s: Storage): Record<string, unknown> {
  return {
    id: s.id,
    name: s.name,
    type: s.type,
    ...censor(s.params),
    importedStorage: s.importedStorage,
    readonly: s.readonly,
    archiveStorage: s.archiveStorage,
    qosParameters: s.qosParameters,
    lumaFeed: s.lumaFeed,
  };
}

export function storageInUse(ctx: Ctx, storageId: string): boolean {
  return [...ctx.provider.supports.keys()].some((sid) => ctx.sim.listedSupport(ctx.provider, sid)?.storageId === storageId);
}

export function registerOnepanelStorages(router: Router): void {
  router.on('POST', '/provider/storages', (ctx) => {
    requireCluster(ctx, authenticate(ctx, 'onepanel'), 'cluster_update');
    const request = objectBody(ctx);
    const parsed = Object.entries(request).map(([name, config]) => ({ name, body: parseEntry(name, config) }));
    const results: Record<string, unknown> = {};
    let failed = false;
    for (const { name, body } of parsed) {
      const type = String(body['type']);
      const params: Record<string, unknown> = { ...DEFAULTS[type] };
      for (const [k, v] of Object.entries(body)) if (!COMMON_KEYS.includes(k)) params[k] = v;
      const problem = checkEntry(name, body, params);
      if (problem) {
        failed = true;
        results[name] = { error: problem };
        continue;
      }
      const id = randomId();
      ctx.provider.storages.set(id, {
        id,
        providerId: ctx.provider.id,
        name,
        type,
        params,
        importedStorage: body['importedStorage'] === true,
        readonly: body['readonly'] === true,
        archiveStorage: body['archiveStorage'] === true,
        qosParameters: { ...(body['qosParameters'] as Record<string, string> | undefined), storageId: id, providerId: ctx.provider.id },
        lumaFeed: (body['lumaFeed'] as string | undefined) ?? 'auto',
        createdAtMs: ctx.sim.nowMs(),
        content: null,
      });
      results[name] = { id };
    }
    return { status: failed ? 400 : 200, body: results };
  });

  router.on('GET', '/provider/storages', (ctx) => {
    requireCluster(ctx, authenticate(ctx, 'onepanel'));
    return ok({ ids: [...ctx.provider.storages.keys()] });
  });

  router.on('GET', '/provider/storages/:id', (ctx) => {
    requireCluster(ctx, authenticate(ctx, 'onepanel'));
    const storage = ctx.provider.storages.get(String(ctx.params['id']));
    if (!storage) fail(err.notFound());
    return ok(storageJson(storage));
  });

  router.on('DELETE', '/provider/storages/:id', (ctx) => {
    requireCluster(ctx, authenticate(ctx, 'onepanel'), 'cluster_update');
    return serviceAction(ctx, () => {
      const storage = ctx.provider.storages.get(String(ctx.params['id']));
      if (!storage) fail(err.notFound());
      if (storageInUse(ctx, storage.id)) fail(err.storageInUse());
      ctx.provider.storages.delete(storage.id);
      return noContent();
    });
  });
}
