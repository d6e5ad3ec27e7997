import { describe, expect, it } from 'vitest';
import { datasetRef } from '../../../shared/dataset/ref.ts';
import { newDatasetState } from '../../../shared/state/dataset-state.ts';
import { NewerRecordSchemaError, RECORD_SCHEMA, upgradeRecord } from '../../../shared/state/record-schema.ts';

describe('upgradeRecord', () => {
  it('reads a record of the current schema as it is', () => {
    const stored = JSON.parse(JSON.stringify(newDatasetState(datasetRef('b', 'd', 'R'))));
    expect(stored.schema).toBe(RECORD_SCHEMA);
    expect(upgradeRecord(stored, 'k')).toEqual(stored);
  });

  it('refuses a record written by a newer s3od instead of saving over what it does not know', () => {
    const stored = { ...newDatasetState(datasetRef('b', 'd', 'R')), schema: RECORD_SCHEMA + 1 };
    expect(() => upgradeRecord(stored, '.s3od/state/x.json')).toThrow(NewerRecordSchemaError);
  });
});
