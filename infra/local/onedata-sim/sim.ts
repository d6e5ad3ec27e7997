/**
 * The simulator runtime: knobs, state, clocks, timers and the eventual-consistency rules shared by the
 * route modules. A Oneprovider sees a support (and membership edges) only `propagationDelayMs` after
 * Onezone recorded it, and keeps seeing a removed support or deleted space for the same time.
 */
import { DEFAULT_KNOBS } from './knobs.ts';
import type { RelationFilter } from './membership.ts';
import type { Provider, Relation, Support } from './model.ts';
import { RequestLog } from './request-log.ts';
import { SimState, type Seed } from './state.ts';
import { Timers } from './timers.ts';
import type { SimInfo, SimKnobs } from './types.ts';

export class Sim {
  knobs: SimKnobs;
  state: SimState;
  readonly log: RequestLog;
  /** Timers of in-flight requests (latency). */
  readonly requestTimers = new Timers();
  /** Timers of background jobs (scans, transfers); cleared on reset. */
  readonly jobTimers = new Timers();
  zoneUrl = '';
  #faultCounter = 0;

  constructor(
    readonly seed: Seed,
    knobs: Partial<SimKnobs>,
  ) {
    this.knobs = { ...DEFAULT_KNOBS, ...knobs };
    this.log = new RequestLog(seed.customToken === undefined ? [] : [seed.customToken]);
    this.state = new SimState(seed, []);
  }

  /** Called once the servers listen, to record their URLs. */
  setUrls(zoneUrl: string, providerUrls: string[]): void {
    this.zoneUrl = zoneUrl;
    this.state.providers.forEach((p, i) => (p.url = providerUrls[i] ?? ''));
  }

  nowMs(): number {
    return Date.now();
  }

  nowS(): number {
    return Math.floor(Date.now() / 1000);
  }

  reset(): void {
    this.jobTimers.clear();
    const urls = this.state.providers.map((p) => p.url);
    this.state = new SimState(this.seed, urls);
    this.log.clear();
  }

  /** Alternates the two pre-effect fault kinds so that "half each" holds exactly. */
  nextFaultKind(): 'unavailable' | 'dropped' {
    return this.#faultCounter++ % 2 === 0 ? 'unavailable' : 'dropped';
  }

  info(): SimInfo {
    const providers = this.state.providers.map((p, i) => {
      const replicaStorageId = this.seed.providers[i]?.replicaStorageId;
      return { id: p.id, name: p.name, domain: p.domain, url: p.url, primary: i === 0, ...(replicaStorageId ? { replicaStorageId } : {}) };
    });
    return {
      url: this.zoneUrl,
      token: this.seed.customToken ?? this.state.adminToken,
      managerGroupId: this.seed.managerGroupId,
      userGroupId: this.seed.userGroupId,
      serviceUserId: this.seed.serviceUserId,
      providerIds: providers.map((p) => p.id),
      providers,
      zoneDomain: this.seed.zoneDomain,
    };
  }

  // ---- eventual consistency ------------------------------------------------------------------------

  /** A new membership edge; providers learn about it after the current propagation delay. */
  relation(privileges: string[]): Relation {
    const now = this.nowMs();
    return { privileges: [...privileges], sinceMs: now, visibleAtMs: now + this.knobs.propagationDelayMs };
  }

  /** When providers learn about a change made now. */
  propagatedAt(): number {
    return this.nowMs() + this.knobs.propagationDelayMs;
  }

  /** Edges a provider already knows about. */
  providerFilter(): RelationFilter {
    const now = this.nowMs();
    return (r: Relation) => r.visibleAtMs <= now;
  }

  #forgetAtMs(support: Support): number | undefined {
    return support.forgetAtMs ?? this.state.spaces.get(support.spaceId)?.forgetAtMs;
  }

  /** The support as the provider's Onepanel lists it (known until a removal has propagated). */
  listedSupport(provider: Provider, spaceId: string): Support | undefined {
    const support = provider.supports.get(spaceId);
    if (!support) return undefined;
    const forgetAt = this.#forgetAtMs(support);
    return forgetAt !== undefined && this.nowMs() >= forgetAt ? undefined : support;
  }

  /** The support if the Oneprovider already (and still) serves the space. */
  visibleSupport(provider: Provider, spaceId: string): Support | undefined {
    const support = this.listedSupport(provider, spaceId);
    return support && support.visibleAtMs <= this.nowMs() ? support : undefined;
  }

  /** Completes every pending propagation at once (`POST /_sim/propagate`). */
  propagateAll(): void {
    const now = this.nowMs();
    const settle = (r: Relation) => (r.visibleAtMs = Math.min(r.visibleAtMs, now));
    for (const g of this.state.groups.values()) [...g.users.values(), ...g.children.values()].forEach(settle);
    for (const s of this.state.spaces.values()) {
      [...s.users.values(), ...s.groups.values()].forEach(settle);
      if (s.forgetAtMs !== undefined) s.forgetAtMs = Math.min(s.forgetAtMs, now);
    }
    for (const p of this.state.providers) {
      for (const s of p.supports.values()) {
        s.visibleAtMs = Math.min(s.visibleAtMs, now);
        if (s.forgetAtMs !== undefined) s.forgetAtMs = Math.min(s.forgetAtMs, now);
      }
    }
    this.gc();
  }

  /** Supports as Onezone sees them (removal is immediate there). */
  zoneSupports(spaceId: string): Support[] {
    if (!this.state.liveSpace(spaceId)) return [];
    return this.state.providers.flatMap((p) => {
      const s = p.supports.get(spaceId);
      return s && s.removedAtMs === undefined ? [s] : [];
    });
  }

  /** Drops supports and spaces whose removal every provider has learnt about. */
  gc(): void {
    for (const provider of this.state.providers) {
      for (const spaceId of [...provider.supports.keys()]) {
        if (!this.listedSupport(provider, spaceId)) this.forgetSupport(provider, spaceId);
      }
    }
    for (const space of [...this.state.spaces.values()]) {
      if (space.deletedAtMs === undefined) continue;
      if (this.state.providers.some((p) => p.supports.has(space.id))) continue;
      this.state.spaces.delete(space.id);
      this.state.files.delete(space.id);
      this.state.registrations = this.state.registrations.filter((r) => r.spaceId !== space.id);
      for (const [id, q] of this.state.qos) if (q.spaceId === space.id) this.state.qos.delete(id);
    }
  }

  /** Provider-side cleanup of a support (revocation or propagated removal). */
  forgetSupport(provider: Provider, spaceId: string): void {
    provider.supports.delete(spaceId);
    // Its copies of the space's files go with the support (revocation is not an eviction with a safety net).
    const held = this.state.replicas.get(provider.id);
    if (held) for (const uuid of this.state.files.get(spaceId)?.keys() ?? []) held.delete(uuid);
    this.jobTimers.cancel(scanKey(provider.id, spaceId));
  }
}

export const scanKey = (providerId: string, spaceId: string): string => `scan:${providerId}:${spaceId}`;
