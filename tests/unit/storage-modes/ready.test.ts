import { describe, expect, it } from 'vitest';
import { datasetRef } from '../../../shared/dataset/ref.ts';
import { STORAGE_MODES } from '../../../shared/storage-modes/index.ts';
import { newDatasetState, type DatasetState } from '../../../shared/state/dataset-state.ts';

const readyForImport = (s: DatasetState, mode: 's3' | 'posix') => STORAGE_MODES[mode].readyForImport(s);

describe('StorageMode.readyForImport', () => {
  const base = () => newDatasetState(datasetRef('bkt', 'd', 'R'));

  it('s3 mode needs the provider to see the space and the dataset storage', () => {
    const s = base();
    s.outputs.spaceId = 'sp';
    expect(readyForImport(s, 's3')).toBe(false);
    s.completedSteps['wait-for-provider'] = 't';
    expect(readyForImport(s, 's3')).toBe(false);
    s.outputs.storageId = 'st';
    expect(readyForImport(s, 's3')).toBe(true);
  });

  it('posix mode scans a dataset fs2od provisioned and backfill adopted (a space, no saga steps)', () => {
    const adopted = base();
    adopted.status = 'provisioned';
    adopted.outputs.spaceId = 'sp';
    expect(readyForImport(adopted, 'posix')).toBe(true);
    expect(readyForImport(adopted, 's3')).toBe(false);
    expect(readyForImport(base(), 'posix')).toBe(false);
  });
});
