/** Oneprovider QoS requirements and transfers. */
import { requireDataAccess } from '../data-constraints.ts';
import { err, fail } from '../errors.ts';
import { logicalPath } from '../files.ts';
import { created, noContent, objectBody, ok, type Ctx, type Router } from '../http.ts';
import { fileObjectId, randomId } from '../ids.ts';
import type { FileNode, QosRequirement, Transfer } from '../model.ts';
import { TERMINAL_TRANSFER, filesBelow, refreshQos, spaceStorages, startTransfer, transferCounters } from '../transfers.ts';
import { evaluateQos, parseQos } from '../qos-expression.ts';
import { validateBody } from '../schemas.ts';
import type { Sim } from '../sim.ts';
import { authenticateProvider, providerUrl, requireMember, resolveBodyFileId, resolvePathId, visibleSpace } from './oneprovider-common.ts';

function qosJson(q: QosRequirement): Record<string, unknown> {
  return { qosRequirementId: q.id, fileId: fileObjectId(q.fileUuid, q.spaceId), expression: q.expression, replicasNum: q.replicasNum, status: q.status };
}

function requireQos(ctx: Ctx): QosRequirement {
  const q = ctx.sim.state.qos.get(String(ctx.params['id']));
  if (!q) fail(err.notFound());
  visibleSpace(ctx, q.spaceId);
  return q;
}

function transferJson(sim: Sim, t: Transfer): Record<string, unknown> {
  const replicating = t.type !== 'eviction';
  const evicting = t.type !== 'replication';
  const phase = (active: boolean): string => {
    if (!active) return 'skipped';
    if (t.status === 'scheduled') return 'scheduled';
    if (t.status === 'replicating' || t.status === 'evicting') return 'active';
    return t.status;
  };
  const moved = transferCounters(sim, t);
  const node = t.fileUuid ? sim.state.spaceFiles(t.spaceId).get(t.fileUuid) : undefined;
  const hist = (n: number) => (t.replicatingProviderId ? { [t.replicatingProviderId]: new Array<number>(n).fill(0) } : {});
  return {
    type: t.type,
    userId: t.userId,
    rerunId: null,
    effectiveJobTransferId: t.id,
    spaceId: t.spaceId,
    dataSourceType: t.dataSourceType,
    fileId: t.fileUuid ? fileObjectId(t.fileUuid, t.spaceId) : null,
    filePath: node ? logicalPath(sim, node) : null,
    ...(t.viewName ? { viewName: t.viewName, queryViewParams: {} } : {}),
    transferStatus: t.status,
    effectiveJobStatus: t.status,
    replicationStatus: phase(replicating),
    evictionStatus: phase(evicting),
    replicatingProviderId: t.replicatingProviderId,
    evictingProviderId: t.evictingProviderId,
    callback: t.callback,
    filesToProcess: t.filesToProcess,
    filesProcessed: moved.files,
    filesReplicated: replicating ? moved.files : 0,
    filesEvicted: evicting ? moved.files : 0,
    filesFailed: 0,
    bytesReplicated: replicating ? moved.bytes : 0,
    scheduleTime: t.scheduleTime,
    startTime: t.startTime,
    finishTime: t.finishTime,
    lastUpdate: Math.max(t.scheduleTime, t.startTime, t.finishTime),
    minHist: hist(12),
    hrHist: hist(60),
    dyHist: hist(24),
    mthHist: hist(30),
  };
}

export function registerOneproviderQos(router: Router): void {
  router.on('POST', '/qos_requirements', (ctx) => {
    const caller = authenticateProvider(ctx);
    const body = validateBody('qosCreate', objectBody(ctx));
    const node = resolveBodyFileId(ctx, body['fileId'], 'fileId');
    requireMember(ctx, caller, node.spaceId, 'space_manage_qos');
    const expression = String(body['expression']);
    try {
      evaluateQos(parseQos(expression), spaceStorages(ctx.sim, node.spaceId));
    } catch (e) {
      fail(err.invalidQosExpression((e as Error).message));
    }
    const replicasNum = (body['replicasNum'] as number | undefined) ?? 1;
    const q: QosRequirement = {
      id: randomId(),
      spaceId: node.spaceId,
      fileUuid: node.uuid,
      expression,
      replicasNum,
      status: 'pending',
      providerId: ctx.provider.id,
      creationTime: ctx.sim.nowS(),
      userId: caller.userId,
    };
    ctx.sim.state.qos.set(q.id, q);
    refreshQos(ctx.sim, q);
    return created(providerUrl(ctx, `/qos_requirements/${q.id}`), { qosRequirementId: q.id });
  });

  router.on('GET', '/qos_requirements/:id', (ctx) => {
    const caller = authenticateProvider(ctx);
    const q = requireQos(ctx);
    requireMember(ctx, caller, q.spaceId, 'space_view_qos');
    refreshQos(ctx.sim, q);
    return ok(qosJson(q));
  });

  router.on('DELETE', '/qos_requirements/:id', (ctx) => {
    const caller = authenticateProvider(ctx);
    const q = requireQos(ctx);
    requireMember(ctx, caller, q.spaceId, 'space_manage_qos');
    ctx.sim.state.qos.delete(q.id);
    return noContent();
  });

  router.on('GET', '/data/:id/qos/summary', (ctx) => {
    const caller = authenticateProvider(ctx, true);
    const node = resolvePathId(ctx, String(ctx.params['id']));
    requireMember(ctx, caller, node.spaceId, 'space_view_qos');
    requireDataAccess(ctx.sim, caller, node, 'traverse');
    const files = ctx.sim.state.spaceFiles(node.spaceId);
    const chain = new Set<string>();
    for (let n: FileNode | undefined = node; n; n = n.parentUuid ? files.get(n.parentUuid) : undefined) chain.add(n.uuid);
    const reqs = [...ctx.sim.state.qos.values()].filter((q) => q.spaceId === node.spaceId && chain.has(q.fileUuid));
    reqs.forEach((q) => refreshQos(ctx.sim, q));
    const statuses = reqs.map((q) => q.status);
    const status = statuses.includes('impossible') ? 'impossible' : statuses.includes('pending') ? 'pending' : 'fulfilled';
    return ok({ requirements: Object.fromEntries(reqs.map((q) => [q.id, q.status])), status });
  });

  router.on('POST', '/transfers', (ctx) => {
    const caller = authenticateProvider(ctx);
    const body = validateBody('transferCreate', objectBody(ctx));
    const type = body['type'] as Transfer['type'];
    if (type !== 'eviction' && body['replicatingProviderId'] === undefined) fail(err.missingRequiredValue('replicatingProviderId'));
    if (type !== 'replication' && body['evictingProviderId'] === undefined) fail(err.missingRequiredValue('evictingProviderId'));
    let node: FileNode | null = null;
    let spaceId: string;
    if (body['dataSourceType'] === 'file') {
      if (body['fileId'] === undefined) fail(err.missingRequiredValue('fileId'));
      node = resolveBodyFileId(ctx, body['fileId'], 'fileId');
      spaceId = node.spaceId;
    } else {
      if (body['spaceId'] === undefined) fail(err.missingRequiredValue('spaceId'));
      if (body['viewName'] === undefined) fail(err.missingRequiredValue('viewName'));
      spaceId = String(body['spaceId']);
      visibleSpace(ctx, spaceId);
    }
    if (type !== 'eviction') requireMember(ctx, caller, spaceId, 'space_schedule_replication');
    if (type !== 'replication') requireMember(ctx, caller, spaceId, 'space_schedule_eviction');
    const supporting = new Set(ctx.sim.zoneSupports(spaceId).map((s) => s.providerId));
    for (const key of ['replicatingProviderId', 'evictingProviderId']) {
      const pid = body[key] as string | undefined;
      if (pid !== undefined && !supporting.has(pid)) fail(err.spaceNotSupportedBy(spaceId, pid));
    }
    const files = node ? filesBelow(ctx.sim, node) : [];
    const t = startTransfer(
      ctx.sim,
      {
        type,
        userId: caller.userId,
        spaceId,
        dataSourceType: body['dataSourceType'] as Transfer['dataSourceType'],
        fileUuid: node?.uuid ?? null,
        viewName: (body['viewName'] as string | undefined) ?? null,
        replicatingProviderId: (body['replicatingProviderId'] as string | undefined) ?? null,
        evictingProviderId: (body['evictingProviderId'] as string | undefined) ?? null,
        callback: (body['callback'] as string | undefined) ?? null,
        providerId: ctx.provider.id,
        fileUuids: files.map((f) => f.uuid),
      },
      files,
    );
    return created(providerUrl(ctx, `/transfers/${t.id}`), { transferId: t.id });
  });

  router.on('GET', '/transfers/:id', (ctx) => {
    const caller = authenticateProvider(ctx);
    const t = ctx.sim.state.transfers.get(String(ctx.params['id']));
    if (!t) fail(err.notFound());
    requireMember(ctx, caller, t.spaceId, 'space_view_transfers');
    return ok(transferJson(ctx.sim, t));
  });

  router.on('DELETE', '/transfers/:id', (ctx) => {
    const caller = authenticateProvider(ctx);
    const t = ctx.sim.state.transfers.get(String(ctx.params['id']));
    if (!t) fail(err.notFound());
    requireMember(ctx, caller, t.spaceId, t.type === 'eviction' ? 'space_cancel_eviction' : 'space_cancel_replication');
    if (TERMINAL_TRANSFER.has(t.status)) fail(err.transferAlreadyEnded());
    t.status = 'cancelled';
    t.finishTime = ctx.sim.nowS();
    return noContent();
  });

  router.on('GET', '/spaces/:sid/transfers', (ctx) => {
    const caller = authenticateProvider(ctx);
    const spaceId = String(ctx.params['sid']);
    visibleSpace(ctx, spaceId);
    requireMember(ctx, caller, spaceId, 'space_view_transfers');
    const state = ctx.req.query.get('state') ?? 'ongoing';
    if (!['waiting', 'ongoing', 'ended'].includes(state)) fail(err.badValueNotAllowed('state', ['waiting', 'ongoing', 'ended']));
    const limit = transferPageLimit(ctx.req.query.get('limit'));
    const group = (t: Transfer): string => (TERMINAL_TRANSFER.has(t.status) ? 'ended' : t.status === 'scheduled' ? 'waiting' : 'ongoing');
    const ids = [...ctx.sim.state.transfers.values()].filter((t) => t.spaceId === spaceId && group(t) === state).map((t) => t.id);
    // An opaque token: where the next page starts. A client that never pages sees the first `limit`.
    const token = ctx.req.query.get('page_token');
    const from = token
      ? Number.parseInt(
          Buffer.from(token, 'base64url')
            .toString('utf8')
            .replace(/^transfers:/, ''),
          10,
        )
      : 0;
    if (token && !(Number.isInteger(from) && from >= 0)) fail(err.badValueString('page_token'));
    const page = ids.slice(from, from + limit);
    const next = from + limit < ids.length ? Buffer.from(`transfers:${from + limit}`).toString('base64url') : null;
    return ok({ transfers: page, nextPageToken: next });
  });
}

/** `limit` of a transfer listing: 1–1000, 100 when not given (op-worker's bounds). */
function transferPageLimit(raw: string | null): number {
  if (raw === null) return 100;
  const n = Number(raw);
  if (!/^-?[0-9]+$/.test(raw) || !Number.isSafeInteger(n)) fail(err.badValueInteger('limit'));
  if (n < 1 || n > 1000) fail(err.badValueNotInRange('limit', 1, 1000));
  return n;
}
