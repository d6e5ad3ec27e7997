/**
 * How many replicas a dataset wants, and where: the config's default (`dataReplication`), or the
 * operator's request in the metadata file, which wins:
 *
 * ```yaml
 * Replication:
 *   Replicas: 3                 # copies in all, the facility's included (fs2od's numberOfReplicas)
 *   Providers: [https://op2.example.org]   # optional: which secondaries (configured hosts)
 * ```
 *
 * `Replication: false` (or `Replicas: 1`) asks for none even when the config enables it.
 */
import type { S3odConfig } from '../config/schema.ts';
import type { MetadataDocument } from '../metadata/index.ts';
import { isMapping } from '../metadata/types.ts';
import type { LifecycleProvider } from './providers.ts';

export const REPLICATION_KEY = 'Replication';

export interface ReplicationRequest {
  /** Copies in all, the primary's included (QoS `replicasNum`). */
  replicas: number;
  /** Configured hosts of the secondaries to use, when the file names them. */
  providers?: string[];
  source: 'config' | 'metadata';
}

export class ReplicationRequestError extends Error {
  override name = 'ReplicationRequestError';
}

const host = (url: string): string =>
  url
    .replace(/^https?:\/\//, '')
    .replace(/\/+$/, '')
    .toLowerCase();

/** The request in force, undefined for none. Throws ReplicationRequestError for a request that cannot be read. */
export function replicationRequest(config: S3odConfig, doc: MetadataDocument): ReplicationRequest | undefined {
  const raw = Object.prototype.hasOwnProperty.call(doc, REPLICATION_KEY) ? doc[REPLICATION_KEY] : undefined;
  if (raw === undefined || raw === null) {
    const { enabled, numberOfReplicas } = config.dataReplication;
    return enabled && numberOfReplicas > 1 ? { replicas: numberOfReplicas, source: 'config' } : undefined;
  }
  if (raw === false) return undefined;
  if (!isMapping(raw)) throw new ReplicationRequestError(`${REPLICATION_KEY} must be a mapping with Replicas (and optionally Providers), or false`);
  const replicas = raw['Replicas'];
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 1) {
    throw new ReplicationRequestError(`${REPLICATION_KEY}.Replicas must be a whole number ≥ 1 (copies in all, the facility's included)`);
  }
  const providers = raw['Providers'];
  if (providers !== undefined && (!Array.isArray(providers) || !providers.every((p) => typeof p === 'string'))) {
    throw new ReplicationRequestError(`${REPLICATION_KEY}.Providers must be a list of Oneprovider hosts`);
  }
  if (replicas === 1) return undefined;
  return { replicas, ...(providers ? { providers: providers as string[] } : {}), source: 'metadata' };
}

/**
 * The secondaries that get a replica: in config order (deterministic: the same dataset always
 * lands on the same providers), restricted to those the request names. Throws when there are not
 * enough of them.
 */
export function chooseReplicaProviders(request: ReplicationRequest, providers: LifecycleProvider[]): LifecycleProvider[] {
  const secondaries = providers.filter((p) => !p.isPrimary);
  if (request.providers) {
    const unknown = request.providers.filter((n) => !secondaries.some((p) => host(p.url) === host(n)));
    if (unknown.length)
      throw new ReplicationRequestError(`${REPLICATION_KEY}.Providers names ${unknown.join(', ')}, which is not a configured secondary Oneprovider`);
  }
  const eligible = request.providers ? secondaries.filter((p) => request.providers!.some((n) => host(n) === host(p.url))) : secondaries;
  const needed = request.replicas - 1;
  if (eligible.length < needed) {
    throw new ReplicationRequestError(`${request.replicas} replicas need ${needed} secondary Oneprovider(s), but only ${eligible.length} can be used`);
  }
  return eligible.slice(0, needed);
}
