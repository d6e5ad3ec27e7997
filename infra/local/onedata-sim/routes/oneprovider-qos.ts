/** Oneprovider QoS requirements and transfers. */
import { requireDataAccess } from '../data-constraints.ts';
import { err, fail } from '../errors.ts';
import { logicalPath } from '../files.ts';
import { created, noContent, objectBody, ok, type Ctx, type Router } from '../http.ts';
import { fileObjectId, randomId } from '../ids.ts';
import type { FileNode, QosRequirement, Transfer } from '../model.ts';
import { evaluateQos, parseQos } from '../qos-expression.ts';
import { validateBody } from '../schemas.ts';
import type { Sim } from '../sim.ts';
import { authenticateProvider, providerUrl, requireMember, resolveBodyFileId, resolvePathId, visibleSpace } from './oneprovider-common.ts';

function spaceStorages(sim: Sim, spaceId: string): { id: string; params: Record<string, string> }[] {
  return sim.zoneSupports(spaceId).flatMap((s) => {
    const storage = sim.state.provider(s.providerId)?.storages.get(s.storageId);
    return storage ? [{ id: storage.id, params: storage.qosParameters }] : [];
  });
}

function qosJson(q: QosRequirement): Record<string, unknown> {
  return { qosRequirementId: q.id, fileId: fileObjectId(q.fileUuid, q.spaceId), expression: q.expression, replicasNum: q.replicasNum, status: q.status };
}

function requireQos(ctx: Ctx): QosRequirement {
  const q = ctx.sim.state.qos.get(String(ctx.params['id']));
  if (!q) fail(err.notFound());
  visibleSpace(ctx, q.spaceId);
  return q;
}

function filesBelow(sim: Sim, node: FileNode): FileNode[] {
  if (node.type === 'REG') return [node];
  const files = sim.state.spaceFiles(node.spaceId);
  return [...node.children.values()].flatMap((uuid) => {
    const child = files.get(uuid);
    return child ? filesBelow(sim, child) : [];
  });
}

const TERMINAL = new Set(['completed', 'cancelled', 'failed']);

function transferJson(sim: Sim, t: Transfer): Record<string, unknown> {
  const replicating = t.type !== 'eviction';
  const evicting = t.type !== 'replication';
  const phase = (active: boolean): string => {
    if (!active) return 'skipped';
    if (t.status === 'scheduled') return 'scheduled';
    if (t.status === 'replicating' || t.status === 'evicting') return 'active';
    return t.status;
  };
  const done = t.status === 'completed';
  const node = t.fileUuid ? sim.state.spaceFiles(t.spaceId).get(t.fileUuid) : undefined;
  const hist = (n: number) => (t.replicatingProviderId ? { [t.replicatingProviderId]: new Array<number>(n).fill(0) } : {});
  return {
    type: t.type, userId: t.userId, rerunId: null, effectiveJobTransferId: t.id, spaceId: t.spaceId, dataSourceType: t.dataSourceType,
    fileId: t.fileUuid ? fileObjectId(t.fileUuid, t.spaceId) : null, filePath: node ? logicalPath(sim, node) : null,
    ...(t.viewName ? { viewName: t.viewName, queryViewParams: {} } : {}),
    transferStatus: t.status, effectiveJobStatus: t.status, replicationStatus: phase(replicating), evictionStatus: phase(evicting),
    replicatingProviderId: t.replicatingProviderId, evictingProviderId: t.evictingProviderId, callback: t.callback,
    filesToProcess: t.filesToProcess, filesProcessed: done ? t.filesToProcess : 0,
    filesReplicated: done && replicating ? t.filesToProcess : 0, filesEvicted: done && evicting ? t.filesToProcess : 0, filesFailed: 0,
    bytesReplicated: done && replicating ? t.bytesToProcess : 0, scheduleTime: t.scheduleTime, startTime: t.startTime, finishTime: t.finishTime,
    lastUpdate: Math.max(t.scheduleTime, t.startTime, t.finishTime), minHist: hist(12), hrHist: hist(60), dyHist: hist(24), mthHist: hist(30),
  };
}

function scheduleTransfer(sim: Sim, t: Transfer, durationMs: number): void {
  sim.jobTimers.after(durationMs / 2, () => {
    if (t.status !== 'scheduled') return;
    t.status = t.type === 'eviction' ? 'evicting' : 'replicating';
    t.startTime = sim.nowS();
  }, `transfer-start:${t.id}`);
  sim.jobTimers.after(durationMs, () => {
    if (TERMINAL.has(t.status)) return;
    t.status = 'completed';
    t.startTime ||= sim.nowS();
    t.finishTime = sim.nowS();
  }, `transfer-end:${t.id}`);
}

export function registerOneproviderQos(router: Router): void {
  router.on('POST', '/qos_requirements', (ctx) => {
    const caller = authenticateProvider(ctx);
    const body = validateBody('qosCreate', objectBody(ctx));
    const node = resolveBodyFileId(ctx, body['fileId'], 'fileId');
    requireMember(ctx, caller, node.spaceId, 'space_manage_qos');
    const expression = String(body['expression']);
    let matching: Set<string>;
    try {
      matching = evaluateQos(parseQos(expression), spaceStorages(ctx.sim, node.spaceId));
    } catch (e) {
      fail(err.invalidQosExpression((e as Error).message));
    }
    const replicasNum = (body['replicasNum'] as number | undefined) ?? 1;
    const q: QosRequirement = {
      id: randomId(), spaceId: node.spaceId, fileUuid: node.uuid, expression, replicasNum,
      status: matching.size >= replicasNum ? 'fulfilled' : 'impossible', providerId: ctx.provider.id, creationTime: ctx.sim.nowS(),
    };
    ctx.sim.state.qos.set(q.id, q);
    return created(providerUrl(ctx, `/qos_requirements/${q.id}`), { qosRequirementId: q.id });
  });

  router.on('GET', '/qos_requirements/:id', (ctx) => {
    const caller = authenticateProvider(ctx);
    const q = requireQos(ctx);
    requireMember(ctx, caller, q.spaceId, 'space_view_qos');
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
    const t: Transfer = {
      id: randomId(), type, userId: caller.userId, spaceId, dataSourceType: body['dataSourceType'] as Transfer['dataSourceType'],
      fileUuid: node?.uuid ?? null, viewName: (body['viewName'] as string | undefined) ?? null,
      replicatingProviderId: (body['replicatingProviderId'] as string | undefined) ?? null,
      evictingProviderId: (body['evictingProviderId'] as string | undefined) ?? null, callback: (body['callback'] as string | undefined) ?? null,
      status: 'scheduled', scheduleTime: ctx.sim.nowS(), startTime: 0, finishTime: 0, filesToProcess: files.length,
      bytesToProcess: files.reduce((sum, f) => sum + f.size, 0), providerId: ctx.provider.id,
    };
    ctx.sim.state.transfers.set(t.id, t);
    scheduleTransfer(ctx.sim, t, ctx.sim.knobs.transferDurationMs);
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
    if (TERMINAL.has(t.status)) fail(err.transferAlreadyEnded());
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
    const group = (t: Transfer): string => (TERMINAL.has(t.status) ? 'ended' : t.status === 'scheduled' ? 'waiting' : 'ongoing');
    const ids = [...ctx.sim.state.transfers.values()].filter((t) => t.spaceId === spaceId && group(t) === state).map((t) => t.id);
    return ok({ transfers: ids, nextPageToken: null });
  });
}
