/** Oneprovider configuration, spaces, file attributes, JSON metadata and manual file registration. */
import { requireDataAccess, requirePathAccess, spaceReachable } from '../data-constraints.ts';
import { err, fail } from '../errors.ts';
import { ensureFile, renderAttributes, spaceRoot, splitPath } from '../files.ts';
import { created, noContent, objectBody, ok, parseJsonBody, type Ctx, type Router } from '../http.ts';
import { archivesDirUuid, fileObjectId, trashDirUuid } from '../ids.ts';
import type { FileNode } from '../model.ts';
import { validateBody } from '../schemas.ts';
import { BUILD, COMPATIBLE_21_02, COMPATIBLE_ONECLIENT, VERSION } from '../version.ts';
import { authenticateProvider, providerPrivileges, providerUrl, requireMember, resolvePathId, visibleSpace } from './oneprovider-common.ts';

/** A space as Oneprovider shows it, supported here or not (GET /spaces lists every space of the user). */
function spaceDetails(ctx: Ctx, spaceId: string): Record<string, unknown> {
  const space = ctx.sim.state.spaces.get(spaceId)!;
  const dirId = fileObjectId(spaceRoot(ctx.sim, spaceId).uuid, spaceId);
  const providers = ctx.sim.zoneSupports(spaceId).map((s) => ({ providerId: s.providerId, providerName: ctx.sim.state.provider(s.providerId)?.name }));
  return {
    spaceId,
    name: space.name,
    dirId,
    fileId: dirId,
    trashDirId: fileObjectId(trashDirUuid(spaceId), spaceId),
    archivesDirId: fileObjectId(archivesDirUuid(spaceId), spaceId),
    providers,
  };
}

/** Keypath filter `a.b.[0]` of the JSON metadata endpoints. */
function keypath(ctx: Ctx): (string | number)[] | null {
  if (ctx.req.query.get('filter_type') !== 'keypath') return null;
  const filter = ctx.req.query.get('filter');
  if (!filter) fail(err.missingRequiredValue('filter'));
  return filter.split('.').map((part) => (/^\[\d+\]$/.test(part) ? Number(part.slice(1, -1)) : part));
}

function inheritedMetadata(ctx: Ctx, node: FileNode): unknown {
  const chain: FileNode[] = [];
  const files = ctx.sim.state.spaceFiles(node.spaceId);
  for (let n: FileNode | undefined = node; n; n = n.parentUuid ? files.get(n.parentUuid) : undefined) chain.unshift(n);
  const docs = chain.map((n) => n.jsonMetadata).filter((m) => m !== undefined);
  if (docs.length === 0) return undefined;
  if (!docs.every((d) => d !== null && typeof d === 'object' && !Array.isArray(d))) return docs[docs.length - 1];
  return Object.assign({}, ...(docs as Record<string, unknown>[]));
}

function setAtPath(doc: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  const container: Record<string | number, unknown> =
    doc !== null && typeof doc === 'object' ? (doc as Record<string, unknown>) : typeof head === 'number' ? ([] as unknown as Record<number, unknown>) : {};
  container[head] = setAtPath(container[head], rest, value);
  return container;
}

export function registerOneproviderData(router: Router): void {
  router.on('GET', '/configuration', (ctx) =>
    ok({
      providerId: ctx.provider.id,
      name: ctx.provider.name,
      domain: ctx.provider.domain,
      onezoneDomain: ctx.sim.seed.zoneDomain,
      version: VERSION,
      build: BUILD,
      compatibleOnezoneVersions: COMPATIBLE_21_02,
      compatibleOneproviderVersions: COMPATIBLE_21_02,
      compatibleOneclientVersions: COMPATIBLE_ONECLIENT,
    }),
  );
  router.on('GET', '/health', () => ok({ status: 'healthy' }));

  router.on('GET', '/spaces', (ctx) => {
    const caller = authenticateProvider(ctx, true);
    // Every space of the user, as this provider knows the memberships: whether it supports the
    // space is irrelevant here (op-worker's list; "listed" never means "supported"). A token
    // confined by data.path caveats sees only the spaces its paths lie in.
    // A space deleted in Onezone stays listed until the deletion has reached the provider, as
    // GET /spaces/{id} still serves it (reference: visible at Onezone at once, at providers later).
    const known = (s: { deletedAtMs?: number; forgetAtMs?: number }) =>
      s.deletedAtMs === undefined || (s.forgetAtMs !== undefined && ctx.sim.nowMs() < s.forgetAtMs);
    const ids = [...ctx.sim.state.spaces.values()]
      .filter((s) => known(s) && providerPrivileges(ctx, caller, s.id) && spaceReachable(caller, s.id))
      .map((s) => s.id);
    return ok(ids.map((sid) => spaceDetails(ctx, sid)));
  });

  router.on('GET', '/spaces/:sid', (ctx) => {
    const caller = authenticateProvider(ctx, true);
    const spaceId = String(ctx.params['sid']);
    visibleSpace(ctx, spaceId);
    requireMember(ctx, caller, spaceId);
    if (!spaceReachable(caller, spaceId)) fail(err.forbidden());
    return ok(spaceDetails(ctx, spaceId));
  });

  router.on('GET', '/data/:id', (ctx) => {
    const caller = authenticateProvider(ctx, true);
    const node = resolvePathId(ctx, String(ctx.params['id']));
    requireMember(ctx, caller, node.spaceId);
    requireDataAccess(ctx.sim, caller, node, 'traverse');
    const body = ctx.body();
    const fromBody = body !== null && typeof body === 'object' ? (body as Record<string, unknown>)['attributes'] : undefined;
    const fromQuery = ctx.req.query.getAll('attributes');
    let requested: string[] | undefined;
    if (fromQuery.length > 0) requested = fromQuery.flatMap((a) => a.split(','));
    else if (fromBody !== undefined) {
      if (!Array.isArray(fromBody) || fromBody.some((a) => typeof a !== 'string')) fail(err.badValueListOfStrings('attributes'));
      requested = fromBody as string[];
    }
    return ok(renderAttributes(ctx.sim, node, requested, ctx.req.query.get('attribute') ?? undefined));
  });

  router.on('GET', '/data/:id/metadata/json', (ctx) => {
    const caller = authenticateProvider(ctx, true);
    const node = resolvePathId(ctx, String(ctx.params['id']));
    requireMember(ctx, caller, node.spaceId);
    requireDataAccess(ctx.sim, caller, node, 'read');
    let doc = ctx.req.query.get('inherited') === 'true' ? inheritedMetadata(ctx, node) : node.jsonMetadata;
    if (doc === undefined) fail(err.posix('enodata'));
    for (const key of keypath(ctx) ?? []) {
      doc = doc !== null && typeof doc === 'object' ? (doc as Record<string | number, unknown>)[key] : undefined;
      if (doc === undefined) fail(err.posix('enodata'));
    }
    return ok(doc);
  });

  router.on('PUT', '/data/:id/metadata/json', (ctx) => {
    const caller = authenticateProvider(ctx, true);
    const node = resolvePathId(ctx, String(ctx.params['id']));
    requireMember(ctx, caller, node.spaceId, 'space_write_data');
    requireDataAccess(ctx.sim, caller, node, 'write');
    const value = parseJsonBody(ctx.req.rawBody);
    if (value === undefined) fail(err.malformedData());
    const path = keypath(ctx);
    node.jsonMetadata = path ? setAtPath(structuredClone(node.jsonMetadata), path, value) : value;
    node.ctime = ctx.sim.nowS();
    return noContent();
  });

  router.on('DELETE', '/data/:id/metadata/json', (ctx) => {
    const caller = authenticateProvider(ctx, true);
    const node = resolvePathId(ctx, String(ctx.params['id']));
    requireMember(ctx, caller, node.spaceId, 'space_write_data');
    requireDataAccess(ctx.sim, caller, node, 'write');
    delete node.jsonMetadata;
    return noContent();
  });

  router.on('POST', '/data/register', (ctx) => {
    const caller = authenticateProvider(ctx, true);
    const body = validateBody('fileRegister', objectBody(ctx));
    const spaceId = String(body['spaceId']);
    const { support } = visibleSpace(ctx, spaceId);
    requireMember(ctx, caller, spaceId, 'space_register_files');
    const storageId = String(body['storageId']);
    const storage = ctx.provider.storages.get(storageId);
    if (!storage || support.storageId !== storageId) fail(err.notALocalStorageSupportingSpace(ctx.provider.id, storageId, spaceId));
    if (!storage.importedStorage) fail(err.requiresImportedStorage(storageId));
    if (support.importMode !== 'manual') fail(err.requiresManualStorageImportMode());
    if (body['mode'] !== undefined && !/^0?[0-7]{1,4}$/.test(String(body['mode']))) fail(err.badValueOctal('mode'));
    const segments = splitPath(String(body['destinationPath']));
    if (!segments) fail(err.badValueFilePath('destinationPath'));
    requirePathAccess(ctx.sim, caller, [spaceId, ...segments], 'write');
    const storageFileId = String(body['storageFileId']);
    const autoDetect = body['autoDetectAttributes'] !== false;
    let size = body['size'] as number | undefined;
    let mtime = body['mtime'] as number | undefined;
    if (autoDetect && storage.content) {
      const object = storage.content.get(storageFileId.replace(/^\/+/, ''));
      if (!object) fail(err.posix('enoent'));
      size ??= object.size;
      mtime ??= object.mtime;
    }
    if (size === undefined && !autoDetect) fail(err.missingRequiredValue('size'));
    const { node } = ensureFile(ctx.sim, spaceId, segments, 'registered', ctx.provider.id, caller.userId);
    const now = ctx.sim.nowS();
    Object.assign(node, {
      size: size ?? 0,
      mtime: mtime ?? now,
      atime: (body['atime'] as number | undefined) ?? now,
      ctime: (body['ctime'] as number | undefined) ?? now,
      storageId,
      storageFileId,
      mode: body['mode'] !== undefined ? String(body['mode']).replace(/^0(?=\d{3})/, '') : node.mode,
    });
    Object.assign(node.xattrs, (body['xattrs'] as Record<string, string> | undefined) ?? {});
    if (body['json'] !== undefined) node.jsonMetadata = body['json'];
    const destinationPath = `/${segments.join('/')}`;
    const existing = ctx.sim.state.registrations.find((r) => r.spaceId === spaceId && r.destinationPath === destinationPath);
    if (existing) Object.assign(existing, { storageId, storageFileId, fileUuid: node.uuid, lastAtMs: ctx.sim.nowMs(), count: existing.count + 1 });
    else {
      ctx.sim.state.registrations.push({
        spaceId,
        providerId: ctx.provider.id,
        storageId,
        storageFileId,
        destinationPath,
        fileUuid: node.uuid,
        firstAtMs: ctx.sim.nowMs(),
        lastAtMs: ctx.sim.nowMs(),
        count: 1,
      });
    }
    const fileId = fileObjectId(node.uuid, spaceId);
    return created(providerUrl(ctx, `/data/${fileId}`), { fileId });
  });
}
