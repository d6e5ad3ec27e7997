import { describe, expect, it } from 'vitest';
import { datasetRef } from '../../../shared/dataset/ref.ts';
import { newDatasetState } from '../../../shared/state/dataset-state.ts';
import { renderStatusObject, statusObjectKey, writeStatusObject } from '../../../shared/state/status-object.ts';
import { MemoryObjects } from '../../helpers/memory-objects.ts';

/** writeStatusObject (shared/state/status-object.ts): the operator's view of a dataset, beside its file. */
function failedRecord(updatedAt: string) {
  const s = newDatasetState(datasetRef('facility', 'datasets', 'Run1'));
  Object.assign(s, { status: 'failed', failureReason: 'Grids: not a number', updatedAt });
  return s;
}

describe('writeStatusObject', () => {
  it('does not rewrite an object that says the same (only the update time differs): no PUT, no event', async () => {
    // Guards: the read to compare (removed: a PUT, and its notification, for every unchanged pass).
    const objects = new MemoryObjects();
    await writeStatusObject(objects, failedRecord('2026-12-04T10:00:00.000Z'));
    await writeStatusObject(objects, failedRecord('2026-12-04T11:00:00.000Z'));
    const key = statusObjectKey(failedRecord(''));
    expect(objects.calls.filter((c) => c.key === key).map((c) => c.op)).toEqual(['get', 'put', 'get']);
    expect(objects.text(key)).toMatch(/reason: 'Grids: not a number'/);
  });

  it('`fresh` writes without reading first', async () => {
    // Guards: `fresh` skips the compare (removed: a GET before the PUT of every provisioning outcome).
    const objects = new MemoryObjects();
    const s = failedRecord('2026-12-04T10:00:00.000Z');
    await writeStatusObject(objects, s, { fresh: true });
    expect(objects.calls.map((c) => c.op)).toEqual(['put']);
    expect(objects.text(statusObjectKey(s))).toMatch(/status: failed/);
  });
});

describe('renderStatusObject: a provisioned dataset whose new version was refused', () => {
  it('says what to do by why: a bad file is uploaded again fixed; a version given up on after outages is retried', () => {
    // Guards the gave-up branch of newVersionRefused: the same bytes uploaded again are the same
    // version, already settled, so "upload the metadata file again" would do nothing for it.
    const s = newDatasetState(datasetRef('facility', 'datasets', 'Run1'));
    Object.assign(s, { status: 'provisioned', provisionedAt: '2026-12-04T10:00:00.000Z', outputs: { spaceId: 'sp' } });
    const bad = { ...s, failureReason: 'read-metadata: SPA.yml: bad YAML', lastError: { step: 'read-metadata', message: 'bad', permanent: true, at: '' } };
    const gaveUp = { ...s, failureReason: 'gave up after 5 attempts', lastError: { step: 'write-back', message: '503', permanent: false, at: '' } };
    expect(renderStatusObject(bad)).toMatch(/newVersionRefused:[\s\S]*upload the metadata file again/);
    expect(renderStatusObject(gaveUp)).toMatch(/newVersionRefused:[\s\S]*run `s3od retry`/);
    expect(renderStatusObject(s)).not.toContain('newVersionRefused');
  });
});
