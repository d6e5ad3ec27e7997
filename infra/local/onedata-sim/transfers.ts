/**
 * Replication as the simulator models it: a transfer copies a fixed list of files to one provider in
 * `transferDurationMs` (active after half the time, counters growing with elapsed time), and a QoS
 * requirement is `pending` until every file below it is held by `replicasNum` supporting providers,
 * starting the transfers that get it there. Nothing is copied; the simulator only remembers which
 * provider holds which file, so revoking a support really loses that provider's copies.
 */
import { randomId } from './ids.ts';
import type { FileNode, QosRequirement, Transfer } from './model.ts';
import { evaluateQos, parseQos } from './qos-expression.ts';
import type { Sim } from './sim.ts';

export const TERMINAL_TRANSFER = new Set(['completed', 'cancelled', 'failed']);

export function filesBelow(sim: Sim, node: FileNode): FileNode[] {
  if (node.type === 'REG') return [node];
  const files = sim.state.spaceFiles(node.spaceId);
  return [...node.children.values()].flatMap((uuid) => {
    const child = files.get(uuid);
    return child ? filesBelow(sim, child) : [];
  });
}

/** Storages supporting the space now (Onezone's view), with their QoS parameters. */
export function spaceStorages(sim: Sim, spaceId: string): { id: string; providerId: string; params: Record<string, string> }[] {
  return sim.zoneSupports(spaceId).flatMap((s) => {
    const storage = sim.state.provider(s.providerId)?.storages.get(s.storageId);
    return storage ? [{ id: storage.id, providerId: s.providerId, params: storage.qosParameters }] : [];
  });
}

/** Whether the provider holds a copy: the file came in through its storage, or a transfer replicated it there. */
export function holds(sim: Sim, providerId: string, file: FileNode): boolean {
  return file.originProviderId === providerId || (sim.state.replicas.get(providerId)?.has(file.uuid) ?? false);
}

/** How far a transfer got (0..1): nothing while scheduled, then linear up to its end. */
function progress(sim: Sim, t: Transfer): number {
  if (t.status === 'completed') return 1;
  if (t.status === 'scheduled' || t.durationMs <= 0) return 0;
  const activeFor = sim.nowMs() - (t.scheduledAtMs + t.durationMs / 2);
  return Math.min(1, Math.max(0, activeFor / (t.durationMs / 2)));
}

/** Files and bytes moved so far (what `GET /transfers/{id}` reports while a transfer runs). */
export function transferCounters(sim: Sim, t: Transfer): { files: number; bytes: number } {
  if (t.status === 'cancelled' || t.status === 'failed') return { files: 0, bytes: 0 };
  const f = progress(sim, t);
  return { files: Math.floor(t.filesToProcess * f), bytes: Math.floor(t.bytesToProcess * f) };
}

/** Schedules a transfer: active after half of `transferDurationMs`, completed (replicas recorded) at the end. */
export function startTransfer(
  sim: Sim,
  fields: Omit<Transfer, 'id' | 'status' | 'scheduleTime' | 'startTime' | 'finishTime' | 'scheduledAtMs' | 'durationMs' | 'filesToProcess' | 'bytesToProcess'>,
  files: FileNode[],
): Transfer {
  const durationMs = sim.knobs.transferDurationMs;
  const t: Transfer = {
    ...fields,
    id: randomId(),
    status: 'scheduled',
    scheduleTime: sim.nowS(),
    startTime: 0,
    finishTime: 0,
    filesToProcess: files.length,
    bytesToProcess: files.reduce((sum, f) => sum + f.size, 0),
    scheduledAtMs: sim.nowMs(),
    durationMs,
  };
  sim.state.transfers.set(t.id, t);
  sim.jobTimers.after(
    durationMs / 2,
    () => {
      if (t.status !== 'scheduled') return;
      t.status = t.type === 'eviction' ? 'evicting' : 'replicating';
      t.startTime = sim.nowS();
    },
    `transfer-start:${t.id}`,
  );
  sim.jobTimers.after(
    durationMs,
    () => {
      if (TERMINAL_TRANSFER.has(t.status)) return;
      t.status = 'completed';
      t.startTime ||= sim.nowS();
      t.finishTime = sim.nowS();
      const target = t.replicatingProviderId;
      // A provider that stopped supporting the space meanwhile keeps nothing.
      if (target && t.type !== 'eviction' && sim.zoneSupports(t.spaceId).some((s) => s.providerId === target)) {
        const set = sim.state.replicas.get(target) ?? new Set<string>();
        t.fileUuids.forEach((u) => set.add(u));
        sim.state.replicas.set(target, set);
      }
      if (t.qosRequirementId) {
        const q = sim.state.qos.get(t.qosRequirementId);
        if (q) refreshQos(sim, q);
      }
    },
    `transfer-end:${t.id}`,
  );
  return t;
}

/**
 * Re-evaluates a requirement against the space's current supports: the providers it keeps replicas on
 * are the matching ones that already hold the most files (the source counts), then provider order.
 * Fewer matching providers than `replicasNum` → `impossible`; a target lacking files gets one QoS
 * transfer of exactly those files (never a second while one runs) and the requirement is `pending`.
 */
export function refreshQos(sim: Sim, q: QosRequirement): QosRequirement['status'] {
  const root = sim.state.spaceFiles(q.spaceId).get(q.fileUuid);
  if (!root || !sim.state.liveSpace(q.spaceId)) return q.status;
  const storages = spaceStorages(sim, q.spaceId);
  const matching = evaluateQos(parseQos(q.expression), storages);
  const providers = [...new Set(storages.filter((s) => matching.has(s.id)).map((s) => s.providerId))];
  if (providers.length < q.replicasNum) return (q.status = 'impossible');
  const files = filesBelow(sim, root);
  const order = sim.state.providers.map((p) => p.id);
  const held = (pid: string) => files.filter((f) => holds(sim, pid, f)).length;
  const targets = providers.sort((a, b) => held(b) - held(a) || order.indexOf(a) - order.indexOf(b)).slice(0, q.replicasNum);
  let complete = true;
  for (const pid of targets) {
    const missing = files.filter((f) => !holds(sim, pid, f));
    if (missing.length === 0) continue;
    complete = false;
    const running = [...sim.state.transfers.values()].some(
      (t) => t.qosRequirementId === q.id && t.replicatingProviderId === pid && !TERMINAL_TRANSFER.has(t.status),
    );
    if (!running) {
      startTransfer(
        sim,
        {
          type: 'replication',
          userId: q.userId,
          spaceId: q.spaceId,
          dataSourceType: 'file',
          fileUuid: q.fileUuid,
          viewName: null,
          replicatingProviderId: pid,
          evictingProviderId: null,
          callback: null,
          providerId: q.providerId,
          fileUuids: missing.map((f) => f.uuid),
          qosRequirementId: q.id,
        },
        missing,
      );
    }
  }
  return (q.status = complete ? 'fulfilled' : 'pending');
}
