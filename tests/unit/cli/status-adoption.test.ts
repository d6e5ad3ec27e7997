import { describe, expect, it } from 'vitest';
import { adoptInto, findFs2odAccess } from '../../../infra/cli/lib/fs2od-adoption.ts';
import { publicRecord, resolveDataset } from '../../../infra/cli/lib/records.ts';
import { renderDatasetStatus, renderStatusTable } from '../../../infra/cli/lib/status-render.ts';
import { parseConfig } from '../../../shared/config/index.ts';
import { datasetRef } from '../../../shared/dataset/ref.ts';
import { KeyClassifier } from '../../../shared/events/classify.ts';
import { addHistory, newDatasetState, type DatasetState } from '../../../shared/state/dataset-state.ts';
import type { ObjectStore } from '../../../shared/storage/objects.ts';

const TOKEN = 'MDAxY2xvY2F0aW9uIGRhdGFodWIuZWdpLmV1CjAwNmJpZGVudGlmaWVy';

const config = (extra = '') =>
  parseConfig(`bucket: facility
watchedDirectories: [datasets]
institutionName: X
managerGroupId: m
userGroupId: u
serviceUserId: s
s3Storage: { endpoint: 'https://s3.example.org' }
restAccess: { onezone: { host: zone.example.org }, oneproviders: [{ host: p.example.org }] }
${extra}`);

function record(status: DatasetState['status']): DatasetState {
  const s = newDatasetState(datasetRef('facility', 'datasets', 'Run1'), new Date('2024-01-01T00:00:00Z'));
  s.status = status;
  s.attempts = 2;
  s.outputs = { spaceId: 'space1', inviteToken: TOKEN, inviteTokenId: 'tok1', publicUrl: 'https://zone/share/sh1' };
  if (status === 'failed') {
    s.lastError = {
      step: 'create-space',
      message: 'onezone POST /groups/m/spaces → 403 forbidden: no',
      onedataErrorId: 'forbidden',
      permanent: true,
      at: '2024-01-01T00:01:00Z',
    };
    s.failureReason = 'create-space: onezone POST /groups/m/spaces → 403 forbidden: no';
  }
  return s;
}

/** Just enough of an object store for reading `.fs2od`. */
function store(objects: Record<string, string>): ObjectStore {
  return { get: async (key: string) => (key in objects ? { body: Buffer.from(objects[key]!), etag: 'e1' } : undefined) } as unknown as ObjectStore;
}

describe('status rendering', () => {
  it('never shows the invite token, in text or JSON', () => {
    const s = record('provisioned');
    expect(renderDatasetStatus(s).join('\n')).not.toContain(TOKEN);
    expect(renderDatasetStatus(s).join('\n')).toMatch(/invite token\s+set \(token id tok1\)/);
    expect(JSON.stringify(publicRecord(s))).not.toContain(TOKEN);
    expect((publicRecord(s).outputs as Record<string, unknown>).inviteToken).toBe('set');
  });
  it('shows a failure with its Onedata error id and what to do', () => {
    const text = renderDatasetStatus(record('failed')).join('\n');
    expect(text).toMatch(/failure reason\s+create-space: .*403 forbidden/);
    expect(text).toMatch(/onedata error id forbidden · permanent/);
    expect(text).toMatch(/what to do\s+fix what Onedata refused \(error id forbidden\), then s3od retry datasets\/Run1/);
    expect(renderStatusTable([record('failed')]).at(-1)).toBe('1 datasets: 1 failed');
  });
  it('resolves folders however the operator writes them', () => {
    const classifier = new KeyClassifier(config());
    const a = resolveDataset('facility', 'datasets/Run1/', classifier);
    expect(a).toEqual(datasetRef('facility', 'datasets', 'Run1'));
    expect(resolveDataset('facility', '/datasets/Run1', classifier).id).toBe(a.id);
    // Outside the watched directories: still the same id rule (bucket + prefix).
    expect(resolveDataset('facility', 'old/place/Run1', classifier)).toEqual(datasetRef('facility', 'old/place', 'Run1'));
  });
});

describe('fs2od adoption', () => {
  const dataset = datasetRef('facility', 'datasets', 'Run1');
  const section = `Onedata:\n  Onezone: https://zone.example.org\n  Space: fs2odspace\n  InviteToken: ${TOKEN}\n  PublicURL: https://zone.example.org/share/x\n`;

  it("finds fs2od's access information in the metadata file, or in .fs2od when configured", async () => {
    const inFile = await findFs2odAccess(store({}), config(), dataset, { key: 'datasets/Run1/SPA.yml', body: Buffer.from(`Title: a\n${section}`) });
    expect(inFile).toMatchObject({ space: 'fs2odspace', inviteToken: TOKEN, source: 'datasets/Run1/SPA.yml' });
    expect(await findFs2odAccess(store({}), config(), dataset, { key: 'k', body: Buffer.from('Title: a\nOnedata:\n  Space: ""\n') })).toBeUndefined();
    const separate = config('fs2odMetadataFile: { enabled: true, storeAccessInfo: true }');
    const fromFs2od = await findFs2odAccess(store({ 'datasets/Run1/.fs2od': `${section}DeniedProviders: []\n` }), separate, dataset, {
      key: 'k',
      body: Buffer.from('Title: a\n'),
    });
    expect(fromFs2od).toMatchObject({ space: 'fs2odspace', source: 'datasets/Run1/.fs2od' });
    // Not looked for when the configuration does not keep access info there.
    expect(await findFs2odAccess(store({ 'datasets/Run1/.fs2od': section }), config(), dataset, { key: 'k', body: Buffer.from('Title: a\n') })).toBeUndefined();
  });

  it('turns only a fresh record into a provisioned one', () => {
    const access = { space: 'fs2odspace', inviteToken: TOKEN, publicURL: 'https://zone/share/x', source: 'datasets/Run1/SPA.yml' };
    const fresh = newDatasetState(dataset);
    expect(adoptInto(fresh, { access, metadataFile: 'SPA.yml', metadataEtag: 'e1', lookup: { onedataName: 'Run1', storageId: 'st1' } })).toBe(true);
    expect(fresh).toMatchObject({
      status: 'provisioned',
      metadataEtag: 'e1',
      outputs: { spaceId: 'fs2odspace', inviteToken: TOKEN, publicUrl: 'https://zone/share/x', onedataName: 'Run1', storageId: 'st1' },
    });
    expect(fresh.outputs.rootFileId).toBeUndefined();
    expect(fresh.history.map((h) => h.event)).toEqual(['adopted from fs2od']);

    const started = newDatasetState(dataset);
    addHistory(started, 'run started');
    expect(adoptInto(started, { access, metadataFile: 'SPA.yml', metadataEtag: 'e1' })).toBe(false);
    expect(started.status).toBe('pending');
  });

  it('adopts a record that provisioning refused because its file names the space (FS2OD_PROVISIONED), and no other failed one', () => {
    // Guards awaitingAdoption in adoptInto (removed: after a reconcile run refused the fs2od
    // datasets, the switching guide's backfill would leave them failed for good).
    const access = { space: 'fs2odspace', inviteToken: TOKEN, source: 'datasets/Run1/SPA.yml' };
    const refused = (code: string) => {
      const s = newDatasetState(dataset);
      s.status = 'failed';
      s.attempts = 1;
      s.outputs.onedataName = 'Run1';
      s.lastError = { step: 'read-metadata', message: 'SPA.yml already names Onedata space fs2odspace', code, permanent: true, at: '2024-01-01T00:00:00Z' };
      s.failureReason = `read-metadata: ${s.lastError.message}`;
      addHistory(s, 'failed');
      return s;
    };
    const s = refused('FS2OD_PROVISIONED');
    expect(adoptInto(s, { access, metadataFile: 'SPA.yml', metadataEtag: 'e2' })).toBe(true);
    expect(s).toMatchObject({ status: 'provisioned', metadataEtag: 'e2', outputs: { spaceId: 'fs2odspace', inviteToken: TOKEN } });
    expect(s.lastError).toBeUndefined();
    expect(s.failureReason).toBeUndefined();
    expect(adoptInto(refused('TOO_LARGE'), { access, metadataFile: 'SPA.yml', metadataEtag: 'e2' })).toBe(false);
    // A dataset s3od provisioned and deleted keeps its deletion: its file may still name the old space.
    const deleted = refused('FS2OD_PROVISIONED');
    deleted.generation = 1;
    expect(adoptInto(deleted, { access, metadataFile: 'SPA.yml', metadataEtag: 'e2' })).toBe(false);
  });
});
