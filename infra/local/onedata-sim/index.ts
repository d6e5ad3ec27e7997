/**
 * Onedata simulator: a stateful, in-memory imitation of the Onezone, Oneprovider and Onepanel REST APIs
 * (21.02.7) for local runs and tests. See docs/onedata-simulator.md.
 */
import { pickKnobs, validateKnobs } from './knobs.ts';
import { startServers } from './server.ts';
import { Sim } from './sim.ts';
import { createSeed } from './state.ts';
import type { RunningSim, SimKnobs, StartOptions } from './types.ts';

export type { RunningSim, SimInfo, SimKnobs, SimProviderInfo, SimRequestLogEntry, SimService, SimFaultKind, StartOptions } from './types.ts';
export { DEFAULT_KNOBS, KnobError } from './knobs.ts';

export async function startOnedataSim(opts: StartOptions = {}): Promise<RunningSim> {
  const providers = opts.providers ?? 1;
  if (!Number.isInteger(providers) || providers < 1) throw new RangeError('providers must be a positive integer');
  const seedOpts: Parameters<typeof createSeed>[0] = { providers, zoneDomain: opts.zoneDomain ?? 'onezone.sim.localhost' };
  if (opts.token !== undefined) seedOpts.token = opts.token;
  if (opts.replicaStorages) seedOpts.replicaStorages = true;
  const sim = new Sim(createSeed(seedOpts), pickKnobs(opts as Partial<SimKnobs> & Record<string, unknown>));
  const servers = await startServers(sim, opts.port ?? 0);
  const [zoneUrl = ''] = servers.urls;
  sim.setUrls(zoneUrl, servers.urls);
  const info = sim.info();
  let closed: Promise<void> | undefined;
  return {
    url: zoneUrl,
    info,
    configure: (k: Partial<SimKnobs>) => {
      Object.assign(sim.knobs, validateKnobs(k));
    },
    state: () => {
      sim.gc();
      return sim.state.snapshot(sim.nowMs());
    },
    requests: () => sim.log.entries(),
    reset: () => sim.reset(),
    propagate: () => sim.propagateAll(),
    knobs: () => ({ ...sim.knobs }),
    close: () => {
      closed ??= (async () => {
        sim.requestTimers.clear();
        sim.jobTimers.clear();
        await servers.close();
      })();
      return closed;
    },
  };
}
