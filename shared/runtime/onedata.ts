import { log } from '../log/index.ts';
import { createOnedataClient, createProviderClients, type OnedataClient, type OnedataClientConfig, type ProviderApis } from '../onedata/index.ts';
import type { LifecycleProvider } from '../lifecycle/providers.ts';
import type { Runtime } from './index.ts';

/**
 * The container's Onedata clients, built on first use from the runtime's config and secrets. Kept
 * apart from the runtime so that functions that never call Onedata (on-object-event, reconcile)
 * do not bundle the HTTP client.
 */
let client: { runtime: Runtime; onedata: OnedataClient } | undefined;
let providers: { runtime: Runtime; list: ConfiguredProvider[] } | undefined;

function clientConfig(rt: Runtime): OnedataClientConfig {
  const s = rt.secrets();
  const { config } = rt;
  return {
    onezoneUrl: config.restAccess.onezone.host,
    oneproviderUrl: config.restAccess.oneproviders[0]!.host,
    onezoneToken: s.onezoneToken,
    providerToken: s.oneproviderToken,
    timeoutMs: config.onedata.timeoutMs,
    retry: { retries: config.onedata.retries },
    concurrency: config.onedata.concurrency,
    logger: log.child({ component: 'onedata' }),
  };
}

/** Onezone and the primary Oneprovider (config validation puts the primary first). */
export function onedataClient(rt: Runtime): OnedataClient {
  if (client?.runtime === rt) return client.onedata;
  const onedata = createOnedataClient(clientConfig(rt));
  client = { runtime: rt, onedata };
  return onedata;
}

/** One configured Oneprovider with its clients. */
export interface ConfiguredProvider extends ProviderApis, LifecycleProvider {
  isPrimary: boolean;
  /** Position in `restAccess.oneproviders` after validation (primary = 0). */
  index: number;
}

/**
 * Every configured Oneprovider, the primary first — what the lifecycle code needs to support a
 * space on the secondaries, follow replication on each and revoke supports. The primary's entry
 * reuses the clients of `onedataClient` (one connection pool and concurrency limit per service).
 */
export function onedataProviders(rt: Runtime): ConfiguredProvider[] {
  if (providers?.runtime === rt) return providers.list;
  const primary = onedataClient(rt);
  const entries = rt.config.restAccess.oneproviders;
  const others = createProviderClients(
    clientConfig(rt),
    entries.slice(1).map((p) => p.host),
  );
  const list: ConfiguredProvider[] = entries.map((p, index) =>
    index === 0
      ? { url: p.host.replace(/\/+$/, ''), provider: primary.provider, panel: primary.panel, isPrimary: true, storageIds: p.storageIds, index }
      : { ...others[index - 1]!, isPrimary: p.isPrimary, storageIds: p.storageIds, index },
  );
  providers = { runtime: rt, list };
  return list;
}
