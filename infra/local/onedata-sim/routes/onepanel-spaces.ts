/**
 * Onepanel space support (`/provider/spaces`): support with an invite token, get, list, modify, revoke,
 * and the storage-import endpoints (auto import info/stats/force-start/force-stop, manual example).
 */
import { authenticate, requireCluster } from '../auth.ts';
import { err, fail } from '../errors.ts';
import { logicalSize, spaceRoot } from '../files.ts';
import { created, noContent, objectBody, ok, type Ctx, type Router, type SimResponse } from '../http.ts';
import { DEFAULT_AUTO_CONFIG, isScanRunning, startScan, stopScan } from '../import-scan.ts';
import { checkInvite, markUsed } from '../invites.ts';
import type { AutoImportConfig, Support } from '../model.ts';
import { validateBody } from '../schemas.ts';
import { scanKey } from '../sim.ts';
import { serviceAction } from './onepanel-action.ts';
import { AUTO_IMPORT_OBJECT_STORAGES, AUTO_IMPORT_STORAGES } from './onepanel-storages.ts';

export const MIN_SUPPORT_SIZE = 1_000_000;
const IMPORT_METRICS = ['queueLength', 'createdFiles', 'modifiedFiles', 'deletedFiles'];

function listedSupport(ctx: Ctx): Support {
  const support = ctx.sim.listedSupport(ctx.provider, String(ctx.params['id']));
  if (!support) fail(err.notFound());
  return support;
}

function occupancy(ctx: Ctx, spaceId: string): number {
  return logicalSize(ctx.sim, spaceRoot(ctx.sim, spaceId));
}

function supportJson(ctx: Ctx, s: Support): Record<string, unknown> {
  const storage = ctx.provider.storages.get(s.storageId);
  const supporting = Object.fromEntries(ctx.sim.zoneSupports(s.spaceId).map((z) => [z.providerId, z.size]));
  if (Object.keys(supporting).length === 0) supporting[ctx.provider.id] = s.size;
  const out: Record<string, unknown> = {
    id: s.spaceId,
    name: ctx.sim.state.spaces.get(s.spaceId)?.name ?? s.spaceId,
    storageId: s.storageId,
    localStorages: [s.storageId],
    supportingProviders: supporting,
    importedStorage: storage?.importedStorage ?? false,
    spaceOccupancy: occupancy(ctx, s.spaceId),
    accountingEnabled: s.accountingEnabled,
    dirStatsServiceEnabled: s.dirStatsServiceEnabled,
    dirStatsServiceStatus: s.dirStatsServiceEnabled ? 'enabled' : 'disabled',
  };
  if (s.importMode === 'auto') out['storageImport'] = { mode: 'auto', autoStorageImportConfig: s.autoConfig };
  if (s.importMode === 'manual') out['storageImport'] = { mode: 'manual' };
  return out;
}

function autoImportSupported(ctx: Ctx, storageId: string): boolean {
  const type = ctx.provider.storages.get(storageId)?.type ?? '';
  return AUTO_IMPORT_STORAGES.includes(type) || AUTO_IMPORT_OBJECT_STORAGES.includes(type);
}

/** Schedules (or cancels) the next continuous scan after a config change. */
function rescheduleContinuous(ctx: Ctx, support: Support): void {
  const scan = support.scan;
  if (!scan || isScanRunning(support)) return;
  const key = scanKey(ctx.provider.id, support.spaceId);
  if (support.autoConfig?.continuousScan) {
    scan.nextScan = scan.stop + support.autoConfig.scanInterval;
    ctx.sim.jobTimers.after(scan.nextScan * 1000 - ctx.sim.nowMs(), () => startScan(ctx.sim, ctx.provider, support), key);
  } else {
    delete scan.nextScan;
    ctx.sim.jobTimers.cancel(key);
  }
}

/** Import endpoints need an imported storage in the right mode. */
function importSupport(ctx: Ctx, mode: 'auto' | 'manual', errorOnMismatch: boolean): Support {
  const support = listedSupport(ctx);
  if (!support.importMode) fail(errorOnMismatch ? err.requiresImportedStorage(support.storageId) : err.notFound());
  if (support.importMode !== mode) {
    if (!errorOnMismatch) fail(err.notFound());
    fail(mode === 'auto' ? err.requiresAutoStorageImportMode() : err.requiresManualStorageImportMode());
  }
  return support;
}

export function registerOnepanelSpaces(router: Router): void {
  router.on('POST', '/provider/spaces', (ctx) => {
    requireCluster(ctx, authenticate(ctx, 'onepanel'), 'cluster_update');
    const body = validateBody('supportCreate', objectBody(ctx));
    return serviceAction(ctx, () => supportAction(ctx, body));
  });

  router.on('GET', '/provider/spaces', (ctx) => {
    requireCluster(ctx, authenticate(ctx, 'onepanel'));
    return ok({ ids: [...ctx.provider.supports.keys()].filter((sid) => ctx.sim.listedSupport(ctx.provider, sid)) });
  });

  router.on('GET', '/provider/spaces/:id', (ctx) => {
    requireCluster(ctx, authenticate(ctx, 'onepanel'));
    return serviceAction(ctx, () => ok(supportJson(ctx, listedSupport(ctx))));
  });

  router.on('PATCH', '/provider/spaces/:id', (ctx) => {
    requireCluster(ctx, authenticate(ctx, 'onepanel'), 'cluster_update');
    const body = validateBody('supportModify', objectBody(ctx));
    const keys = ['size', 'autoStorageImportConfig', 'accountingEnabled', 'dirStatsServiceEnabled'];
    if (!keys.some((k) => body[k] !== undefined)) fail(err.missingAtLeastOneValue(keys));
    return serviceAction(ctx, () => modifyAction(ctx, body));
  });

  router.on('DELETE', '/provider/spaces/:id', (ctx) => {
    requireCluster(ctx, authenticate(ctx, 'onepanel'), 'cluster_update');
    return serviceAction(ctx, () => {
      const support = listedSupport(ctx);
      ctx.sim.forgetSupport(ctx.provider, support.spaceId);
      return noContent();
    });
  });

  registerImportRoutes(router);
}

/** The support action of `POST /provider/spaces` (after the request's shape was checked). */
function supportAction(ctx: Ctx, body: Record<string, unknown>): SimResponse {
  const size = Number(body['size']);
  if (size < MIN_SUPPORT_SIZE) fail(err.badValueTooLow('size', MIN_SUPPORT_SIZE));
  const storage = ctx.provider.storages.get(String(body['storageId']));
  if (!storage) fail(err.badValueIdNotFound('storageId'));
  const accountingEnabled = (body['accountingEnabled'] as boolean | undefined) ?? false;
  const dirStatsServiceEnabled = (body['dirStatsServiceEnabled'] as boolean | undefined) ?? true;
  if (accountingEnabled && !dirStatsServiceEnabled) fail(err.badData('dirStatsServiceEnabled', 'cannot be disabled when accounting is enabled'));
  const invite = checkInvite(ctx.sim, String(body['token']), 'supportSpace');
  const spaceId = invite.targetId;
  if (ctx.sim.listedSupport(ctx.provider, spaceId)) fail(err.relationAlreadyExists('space', spaceId, 'provider', ctx.provider.id));
  if (storage.importedStorage) {
    const otherSpaceOnStorage = [...ctx.provider.supports.values()].find((s) => s.storageId === storage.id && ctx.sim.listedSupport(ctx.provider, s.spaceId));
    if (otherSpaceOnStorage) fail(err.storageInUse());
    for (const other of ctx.sim.zoneSupports(spaceId)) {
      if (ctx.sim.state.provider(other.providerId)?.storages.get(other.storageId)?.importedStorage) {
        fail(err.spaceAlreadySupportedWithImportedStorage(spaceId, other.storageId));
      }
    }
  }
  const importBody = (body['storageImport'] as { mode?: 'auto' | 'manual'; autoStorageImportConfig?: Partial<AutoImportConfig> } | undefined) ?? {};
  const mode = storage.importedStorage ? (importBody.mode ?? 'auto') : null;
  const support: Support = {
    spaceId,
    providerId: ctx.provider.id,
    storageId: storage.id,
    size,
    sinceMs: ctx.sim.nowMs(),
    visibleAtMs: ctx.sim.propagatedAt(),
    accountingEnabled,
    dirStatsServiceEnabled,
    importMode: mode,
    autoConfig: mode === 'auto' ? { ...DEFAULT_AUTO_CONFIG, ...importBody.autoStorageImportConfig } : null,
    scan: null,
  };
  ctx.provider.supports.set(spaceId, support);
  markUsed(invite);
  spaceRoot(ctx.sim, spaceId);
  if (mode === 'auto') {
    // Like the real service: the support already exists in Onezone when import configuration fails.
    if (!autoImportSupported(ctx, storage.id)) {
      support.importMode = null;
      support.autoConfig = null;
      fail(err.autoStorageImportNotSupported(storage.id, AUTO_IMPORT_STORAGES, AUTO_IMPORT_OBJECT_STORAGES));
    }
    startScan(ctx.sim, ctx.provider, support);
  }
  return created(`/api/v3/onepanel/provider/spaces/${spaceId}`, { id: spaceId });
}

/** The modify action of `PATCH /provider/spaces/{id}`. */
function modifyAction(ctx: Ctx, body: Record<string, unknown>): SimResponse {
  const support = listedSupport(ctx);
  if (body['size'] !== undefined) {
    const size = Number(body['size']);
    if (size < MIN_SUPPORT_SIZE) fail(err.badValueTooLow('size', MIN_SUPPORT_SIZE));
    const used = occupancy(ctx, support.spaceId);
    if (size < used) fail(err.badValueTooLow('size', used));
    support.size = size;
  }
  if (body['accountingEnabled'] !== undefined) support.accountingEnabled = body['accountingEnabled'] as boolean;
  if (body['dirStatsServiceEnabled'] !== undefined) support.dirStatsServiceEnabled = body['dirStatsServiceEnabled'] as boolean;
  if (body['autoStorageImportConfig'] !== undefined && support.importMode === 'auto' && support.autoConfig) {
    support.autoConfig = { ...support.autoConfig, ...(body['autoStorageImportConfig'] as Partial<AutoImportConfig>) };
    rescheduleContinuous(ctx, support);
  }
  return noContent();
}

/** Storage import of a supported space: auto-import info, stats, force-start/stop; the manual-mode example. */
function registerImportRoutes(router: Router): void {
  router.on('GET', '/provider/spaces/:id/storage-import/auto/info', (ctx) => {
    requireCluster(ctx, authenticate(ctx, 'onepanel'));
    return serviceAction(ctx, () => {
      const support = importSupport(ctx, 'auto', false);
      if (!support.scan) fail(err.notFound());
      return ok({ ...support.scan });
    });
  });

  router.on('GET', '/provider/spaces/:id/storage-import/auto/stats', (ctx) => {
    requireCluster(ctx, authenticate(ctx, 'onepanel'));
    const period = ctx.req.query.get('period');
    const metricsText = ctx.req.query.get('metrics');
    if (period === null) fail(err.missingRequiredValue('period'));
    if (metricsText === null) fail(err.missingRequiredValue('metrics'));
    if (!['minute', 'hour', 'day'].includes(period)) fail(err.badValueNotAllowed('period', ['minute', 'hour', 'day']));
    const metrics = metricsText.split(',');
    if (metrics.some((m) => !IMPORT_METRICS.includes(m))) fail(err.badValueListNotAllowed('metrics', IMPORT_METRICS));
    const scan = serviceAction(ctx, () => importSupport(ctx, 'auto', false)).scan;
    const value = (m: string): number => (m === 'queueLength' || !scan ? 0 : Number(scan[m as 'createdFiles']));
    return ok(
      Object.fromEntries(
        metrics.map((m) => [
          m,
          {
            lastValueDate: new Date(ctx.sim.nowMs()).toISOString(),
            values: [...new Array<number>(11).fill(0), value(m)],
          },
        ]),
      ),
    );
  });

  router.on('POST', '/provider/spaces/:id/storage-import/auto/force-start', (ctx) => {
    requireCluster(ctx, authenticate(ctx, 'onepanel'), 'cluster_update');
    return serviceAction(ctx, () => {
      const support = importSupport(ctx, 'auto', true);
      if (isScanRunning(support)) fail(err.alreadyExists());
      startScan(ctx.sim, ctx.provider, support);
      return noContent();
    });
  });

  router.on('POST', '/provider/spaces/:id/storage-import/auto/force-stop', (ctx) => {
    requireCluster(ctx, authenticate(ctx, 'onepanel'), 'cluster_update');
    return serviceAction(ctx, () => {
      const support = importSupport(ctx, 'auto', true);
      if (!support.scan) fail(err.notFound());
      stopScan(ctx.sim, ctx.provider, support);
      return noContent();
    });
  });

  router.on('GET', '/provider/spaces/:id/storage-import/manual/example', (ctx) => {
    requireCluster(ctx, authenticate(ctx, 'onepanel'));
    const support = serviceAction(ctx, () => importSupport(ctx, 'manual', true));
    return ok({
      curl:
        `curl -X POST -H "X-Auth-Token:$TOKEN" -H "content-type:application/json" ` +
        `-d '{"storageId":"${support.storageId}", "spaceId":"${support.spaceId}", "storageFileId":"$STORAGE_FILE_ID", "destinationPath":"'$DESTINATION_PATH'"}' ` +
        `https://${ctx.provider.domain}/api/v3/oneprovider/data/register`,
    });
  });
}
