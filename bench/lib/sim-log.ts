import type { SimRequestLogEntry } from '../../infra/local/onedata-sim/index.ts';

/** Reading the Onedata simulator's request log (`GET /_sim/requests`: startedAt/endedAt per call). */

export const isProviderPoll = (e: SimRequestLogEntry): boolean =>
  e.service === 'oneprovider' && e.method === 'GET' && /^\/api\/v3\/oneprovider\/spaces\/[^/]+$/.test(e.path);
export const isRegistration = (e: SimRequestLogEntry): boolean => e.method === 'POST' && e.path.endsWith('/data/register');
export const isForceStart = (e: SimRequestLogEntry): boolean => e.method === 'POST' && e.path.endsWith('/storage-import/auto/force-start');
export const isSupport = (e: SimRequestLogEntry): boolean => e.service === 'onepanel' && e.method === 'POST' && e.path === '/api/v3/onepanel/provider/spaces';
export const isShareGet = (e: SimRequestLogEntry): boolean =>
  e.service === 'oneprovider' && e.method === 'GET' && /^\/api\/v3\/oneprovider\/shares\/[^/]+$/.test(e.path);
/** Import-side calls (registration, scans): not part of provisioning. */
export const isImportCall = (e: SimRequestLogEntry): boolean => isRegistration(e) || e.path.includes('/storage-import/');

/**
 * The server a call went to: Onezone, or one Oneprovider's op-worker or Onepanel (`service@` its
 * id's first 8 characters). s3od's concurrency limit is per server — one client per URL — so the
 * secondaries' calls of replication are not counted against the primary's limit.
 */
export function serverOf(e: SimRequestLogEntry): string {
  return e.providerId ? `${e.service}@${e.providerId.slice(0, 8)}` : e.service;
}

/**
 * Share of the time from the first call's start to the last call's end spent with k calls in
 * flight, for k = 0 … max (index k): where slots sit idle, e.g. between waves of answers.
 */
export function inFlightShare(entries: SimRequestLogEntry[]): number[] {
  const points: [number, number][] = [];
  for (const e of entries) points.push([e.startedAt, 1], [e.endedAt ?? e.startedAt, -1]);
  points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const time: number[] = [];
  let cur = 0;
  let last = points[0]?.[0] ?? 0;
  for (const [t, d] of points) {
    time[cur] = (time[cur] ?? 0) + (t - last);
    cur += d;
    last = t;
  }
  const span = points.length ? points[points.length - 1]![0] - points[0]![0] : 0;
  return Array.from(time, (v) => (span ? Math.round(((v ?? 0) / span) * 100) / 100 : 0));
}

/**
 * Highest number of calls in progress at once, per server (serverOf), from the start/end intervals.
 * A call that ends at the same millisecond another starts is not counted as overlapping
 * (the client's slot is released only after the response arrives, which is later still).
 */
export function maxInFlight(entries: SimRequestLogEntry[]): Record<string, number> {
  const out: Record<string, number> = {};
  const servers = new Set(entries.map(serverOf));
  for (const s of servers) {
    const points: [number, number][] = [];
    for (const e of entries) {
      if (serverOf(e) !== s) continue;
      points.push([e.startedAt, 1], [e.endedAt ?? Number.MAX_SAFE_INTEGER, -1]);
    }
    points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let cur = 0;
    let max = 0;
    for (const [, d] of points) {
      cur += d;
      max = Math.max(max, cur);
    }
    out[s] = max;
  }
  return out;
}

/**
 * Share of a server's client slots that were busy between its first call's start and last call's
 * end: Σ call durations / (span × limit). 1.0 = the limit was the bottleneck all along.
 */
export function slotUtilization(entries: SimRequestLogEntry[], limit: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of new Set(entries.map(serverOf))) {
    const mine = entries.filter((e) => serverOf(e) === s && e.endedAt !== null);
    if (!mine.length) continue;
    const span = Math.max(...mine.map((e) => e.endedAt!)) - Math.min(...mine.map((e) => e.startedAt));
    const busy = mine.reduce((a, e) => a + (e.endedAt! - e.startedAt), 0);
    out[s] = span > 0 ? Math.round((busy / (span * limit)) * 100) / 100 : 0;
  }
  return out;
}

export interface CriticalChain {
  /** The chain, first call first (polls included). */
  chain: SimRequestLogEntry[];
  /** Onedata calls on the chain other than provider polls. */
  calls: number;
  polls: number;
  /** Time between dependent calls that is neither a call nor a poll pause (state saves, scheduling). */
  overheadMs: number;
  /** Pauses between provider polls. */
  pollPauseMs: number;
  /** Time inside the chain's calls (server side, latency included). */
  inCallsMs: number;
}

/**
 * The longest chain of dependent provisioning calls ending before `endAt`, walked backwards: the
 * predecessor of a call is the call that ended last before it started (every dependent step starts
 * after what it needs has ended; the walk does not distinguish between parallel predecessors that
 * end at about the same time, which does not change the count). Import calls are left out.
 */
export function criticalChain(entries: SimRequestLogEntry[], endAt: number): CriticalChain {
  const candidates = entries.filter((e) => e.endedAt !== null && !isImportCall(e)).sort((a, b) => a.endedAt! - b.endedAt!);
  const chain: SimRequestLogEntry[] = [];
  let curStart = endAt;
  let cur: SimRequestLogEntry | undefined;
  let overheadMs = 0;
  let pollPauseMs = 0;
  for (;;) {
    let pred: SimRequestLogEntry | undefined;
    for (const e of candidates) {
      if (e.endedAt! <= curStart && e !== cur) pred = e;
      else if (e.endedAt! > curStart) break;
    }
    if (!pred) break;
    // The gap before the end of the chain (write-back) is reported separately by the caller.
    if (cur) {
      const gap = curStart - pred.endedAt!;
      if (isProviderPoll(pred) && isProviderPoll(cur)) pollPauseMs += gap;
      else overheadMs += gap;
    }
    chain.unshift(pred);
    cur = pred;
    curStart = pred.startedAt;
  }
  return {
    chain,
    calls: chain.filter((e) => !isProviderPoll(e)).length,
    polls: chain.filter(isProviderPoll).length,
    overheadMs,
    pollPauseMs,
    inCallsMs: chain.reduce((a, e) => a + (e.endedAt! - e.startedAt), 0),
  };
}

/** A one-line description of a call, for the chain's listing in the output. */
export function describe(e: SimRequestLogEntry): string {
  const p = e.path
    .replace(/^\/api\/v3\//, '')
    .replace(/\/[0-9a-f]{32}(?=\/|$)/g, '/{id}')
    .replace(/\/0000[0-9A-F]{20,}(?=\/|$)/g, '/{fileId}');
  return `${e.method} ${p}`;
}

/**
 * The chain as text; calls that ran alongside a chain call (started and ended within `tolMs` of it)
 * are listed with it as "A ∥ B": the walk cannot tell which of them the next step waited for.
 * Consecutive identical polls are collapsed into "… ×n".
 */
export function chainLabels(entries: SimRequestLogEntry[], chain: SimRequestLogEntry[], tolMs = 5): string[] {
  const labels = chain.map((c) => {
    const alongside = entries.filter(
      (e) => e !== c && !isImportCall(e) && e.endedAt !== null && Math.abs(e.startedAt - c.startedAt) <= tolMs && Math.abs(e.endedAt - c.endedAt!) <= tolMs,
    );
    return [c, ...alongside].map(describe).sort().join(' ∥ ');
  });
  const out: string[] = [];
  for (let i = 0; i < labels.length;) {
    let j = i;
    while (j < labels.length && labels[j] === labels[i]) j++;
    out.push(j - i > 1 ? `${labels[i]} ×${j - i}` : labels[i]!);
    i = j;
  }
  return out;
}
