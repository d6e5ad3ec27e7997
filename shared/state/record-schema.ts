import type { DatasetState } from './dataset-state.ts';

/** The version of the dataset record this code writes (`DatasetState.schema`). */
export const RECORD_SCHEMA = 1;

/** A record written by a newer s3od than this one: not read, so nothing of it is lost by a save. */
export class NewerRecordSchemaError extends Error {
  override name = 'NewerRecordSchemaError';
  constructor(
    readonly key: string,
    readonly schema: number,
  ) {
    super(`${key} has record schema ${schema}, newer than this s3od's ${RECORD_SCHEMA}: deploy the newer version everywhere`);
  }
}

/**
 * Turns a record as stored into the current shape. Records are upgraded when they are read, in
 * memory, and written in the new shape by the next save; older versions are never written again.
 * How to change the record's shape: docs/architecture.md, "Changing the dataset record".
 *
 * Version 1 is the only one so far: adding an optional field needs no new version (old records
 * simply lack it); a rename, a move or a new meaning does, with its step here (`if (schema === 1)
 * { …; schema = 2 }`) and a unit test with a stored version-1 record.
 */
export function upgradeRecord(stored: unknown, key: string): DatasetState {
  const record = stored as DatasetState & { schema?: number };
  const schema = record.schema ?? RECORD_SCHEMA;
  if (schema > RECORD_SCHEMA) throw new NewerRecordSchemaError(key, schema);
  return record;
}
