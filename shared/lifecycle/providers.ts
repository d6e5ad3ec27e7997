import type { OnepanelApi, OneproviderApi } from '../onedata/index.ts';

/** One configured Oneprovider with its clients: the primary first, then the secondaries that keep replicas. */
export interface LifecycleProvider {
  /** As configured (`restAccess.oneproviders[].host`, normalised). */
  url: string;
  isPrimary: boolean;
  /** fs2od's key: on a secondary, the storages it keeps replicas on; the first one is used. */
  storageIds: string[];
  provider: OneproviderApi;
  panel: OnepanelApi;
}
