import { log } from '../log/index.ts';
import { createOnedataClient, type OnedataClient } from '../onedata/index.ts';
import type { Runtime } from './index.ts';

/**
 * The container's Onedata client, built on first use from the runtime's config and secrets. Kept
 * apart from the runtime so that functions that never call Onedata (on-object-event, reconcile)
 * do not bundle the HTTP client.
 */
let client: { runtime: Runtime; onedata: OnedataClient } | undefined;

export function onedataClient(rt: Runtime): OnedataClient {
  if (client?.runtime === rt) return client.onedata;
  const s = rt.secrets();
  const { config } = rt;
  const onedata = createOnedataClient({
    onezoneUrl: config.restAccess.onezone.host,
    oneproviderUrl: config.restAccess.oneproviders[0]!.host,
    onezoneToken: s.onezoneToken,
    providerToken: s.oneproviderToken,
    timeoutMs: config.onedata.timeoutMs,
    retry: { retries: config.onedata.retries },
    concurrency: config.onedata.concurrency,
    logger: log.child({ component: 'onedata' }),
  });
  client = { runtime: rt, onedata };
  return onedata;
}
