import { createHash } from 'node:crypto';
import { RESERVED_PREFIX, type DatasetRef } from '../dataset/ref.ts';
import { NAME_MAX_LENGTH } from '../onedata/index.ts';
import { PreconditionFailedError, type ObjectStore } from '../storage/objects.ts';

/**
 * Onedata names are not unique, and two datasets can derive the same one: the same folder name
 * under two watched directories, or names equal after clean-up (whitespace, NFC, the 128-character
 * cut). A name shared by two datasets would let a lookup after a lost answer find the other
 * dataset's object. So before it creates anything, a dataset claims its Onedata name in the bucket
 * — `.s3od/names/<sha256 of the name>.json`, created with `If-None-Match: *`, holding the dataset id —
 * and a name another dataset holds is passed over for a deterministic variant carrying the
 * dataset's own id. Within one deployment no two datasets ever carry the same Onedata name.
 */
export const NAME_CLAIMS_PREFIX = `${RESERVED_PREFIX}names/`;

interface NameClaim {
  datasetId: string;
  prefix: string;
  name: string;
  claimedAt: string;
}

export class NameUnavailableError extends Error {
  override readonly name = 'NameUnavailableError';
}

export function nameClaimKey(name: string): string {
  return `${NAME_CLAIMS_PREFIX}${createHash('sha256').update(name, 'utf8').digest('hex')}.json`;
}

/** The name, then variants suffixed with more and more of the dataset id; all valid Onedata names. */
export function nameCandidates(name: string, datasetId: string): string[] {
  const cut = (n: number) => Array.from(name).slice(0, n).join('');
  return [name, ...[4, 12, 32].map((len) => `${cut(NAME_MAX_LENGTH - len - 1)}_${datasetId.slice(0, len)}`)];
}

async function holderOf(objects: ObjectStore, key: string): Promise<string | undefined> {
  const obj = await objects.get(key, 4096);
  if (!obj) return undefined;
  try {
    return (JSON.parse(obj.body.toString('utf8')) as NameClaim).datasetId;
  } catch {
    return 'unreadable claim';
  }
}

/** Claims `name` (or its first free variant) for the dataset; repeating the call returns the same name. */
export async function claimOnedataName(objects: ObjectStore, dataset: DatasetRef, name: string, now = new Date()): Promise<string> {
  for (const candidate of nameCandidates(name, dataset.id)) {
    const key = nameClaimKey(candidate);
    const claim: NameClaim = { datasetId: dataset.id, prefix: dataset.prefix, name: candidate, claimedAt: now.toISOString() };
    try {
      await objects.put(key, JSON.stringify(claim) + '\n', { ifNoneMatch: '*' }, 'application/json');
      return candidate;
    } catch (e) {
      if (!(e instanceof PreconditionFailedError)) throw e;
    }
    if ((await holderOf(objects, key)) === dataset.id) return candidate;
  }
  throw new NameUnavailableError(`every Onedata name tried for "${name}" is held by other datasets`);
}
