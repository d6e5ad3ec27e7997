import { describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../../shared/config/index.ts';
import { datasetRef } from '../../../shared/events/classify.ts';
import { createLogger } from '../../../shared/log/index.ts';
import { OnedataError, type OnedataClient } from '../../../shared/onedata/index.ts';
import type { SagaRun } from '../../../shared/provisioning/context.ts';
import { PermanentProvisioningError } from '../../../shared/provisioning/errors.ts';
import { PROVISIONING_STEPS } from '../../../shared/provisioning/steps.ts';
import { newDatasetState } from '../../../shared/state/dataset-state.ts';

/** Unit tests of each provisioning step against a fake Onedata client (no network). */
const baseConfig = `
bucket: facility
watchedDirectories: [datasets]
institutionName: Test Facility
managerGroupId: mgr
userGroupId: parent
serviceUserId: svc
s3Storage: { endpoint: "https://s3.example.org" }
posixStorage: { mountRoot: /volumes/facility }
restAccess: { onezone: { host: https://zone.example.org }, oneproviders: [{ host: https://op.example.org }] }
inviteToken: { usageLimit: 5, validForSeconds: 3600 }
`;

const odError = (id: string, status = 400) => new OnedataError({ service: 'onezone', method: 'POST', path: '/x', status, id, description: id });

function runWith(onedata: Partial<{ zone: object; provider: object; panel: object }>, opts: { configExtra?: string; mayHaveRunBefore?: boolean; enqueueListing?: () => Promise<void> } = {}): SagaRun {
  const config = parseConfig(baseConfig + (opts.configExtra ?? ''));
  const state = newDatasetState(datasetRef('facility', 'datasets', 'Run1'));
  return {
    deps: {
      config,
      secrets: { onezoneToken: 'zone-token-xxxxxxxx', oneproviderToken: 'zone-token-xxxxxxxx', storageAccessKey: 'AK', storageSecretKey: 'SK-secret-1234' },
      onedata: onedata as unknown as OnedataClient,
      objects: {} as never,
      states: {} as never,
      enqueueListing: opts.enqueueListing ?? (async () => undefined),
      log: createLogger({ test: true }),
    },
    record: { state, etag: 'e' },
    metadata: { key: 'datasets/Run1/SPA.yml', fileName: 'SPA.yml', etag: 'm', text: 'A: 1\n', doc: { A: 1, Onedata: { InviteToken: 'secret-invite-token-123' } } },
    name: 'Run1',
    mayHaveRunBefore: opts.mayHaveRunBefore ?? false,
    log: createLogger({ test: true }),
    outputs: state.outputs,
  };
}

const step = (name: string) => PROVISIONING_STEPS.find((s) => s.name === name)!;

describe('create-space', () => {
  it('creates the space for the manager group with a seed derived from the dataset', async () => {
    const createSpace = vi.fn(async () => 'sp1');
    const run = runWith({ zone: { createSpace } });
    expect(await step('create-space').run(run)).toEqual({ spaceId: 'sp1' });
    expect(createSpace).toHaveBeenCalledWith({ groupId: 'mgr', name: 'Run1', idGeneratorSeed: `s3od:${run.record.state.dataset.id}` });
  });

  it('adopts the space after 409 alreadyExists (a lost answer), found by name in the manager group', async () => {
    const zone = {
      createSpace: async () => Promise.reject(odError('alreadyExists', 409)),
      listGroupSpaces: async () => ['a', 'b'],
      getSpace: async (id: string) => ({ spaceId: id, name: id === 'b' ? 'Run1' : 'Other' }),
    };
    expect(await step('create-space').run(runWith({ zone }))).toEqual({ spaceId: 'b' });
  });

  it('refuses to guess when several spaces carry the name', async () => {
    const zone = { createSpace: async () => Promise.reject(odError('alreadyExists', 409)), listGroupSpaces: async () => ['a', 'b'], getSpace: async (id: string) => ({ spaceId: id, name: 'Run1' }) };
    await expect(step('create-space').run(runWith({ zone }))).rejects.toBeInstanceOf(PermanentProvisioningError);
  });
});

describe('create-storage', () => {
  it('s3 mode: an imported, read-only, canonical S3 storage with block size 0, sent once', async () => {
    const createStorage = vi.fn(async () => 'st1');
    const listStorages = vi.fn(async () => []);
    expect(await step('create-storage').run(runWith({ panel: { createStorage, listStorages } }))).toEqual({ storageId: 'st1' });
    expect(createStorage).toHaveBeenCalledWith(
      expect.objectContaining({ type: 's3', name: 'Run1', hostname: 'https://s3.example.org', bucketName: 'facility', importedStorage: true, readonly: true, storagePathType: 'canonical', blockSize: 0, accessKey: 'AK', secretKey: 'SK-secret-1234' }),
      { retry: false },
    );
    // First run: no lookup calls.
    expect(listStorages).not.toHaveBeenCalled();
  });

  it('posix mode: an imported, read-only POSIX storage at the dataset folder', async () => {
    const createStorage = vi.fn(async () => 'st2');
    await step('create-storage').run(runWith({ panel: { createStorage } }, { configExtra: 'storageMode: posix\n' }));
    expect(createStorage).toHaveBeenCalledWith({ type: 'posix', name: 'Run1', mountPoint: '/volumes/facility/datasets/Run1', importedStorage: true, readonly: true }, { retry: false });
  });

  it('after an earlier attempt, looks before creating and adopts its storage', async () => {
    const createStorage = vi.fn(async () => 'new');
    const panel = { createStorage, listStorages: async () => ['x', 'mine'], getStorage: async (id: string) => (id === 'mine' ? { id, name: 'Run1', type: 's3', bucketName: 'facility' } : { id, name: 'Run1', type: 'posix' }) };
    expect(await step('create-storage').run(runWith({ panel }, { mayHaveRunBefore: true }))).toEqual({ storageId: 'mine' });
    expect(createStorage).not.toHaveBeenCalled();
  });

  it('a create whose answer was lost is looked up before it is sent again', async () => {
    let created = false;
    const panel = {
      createStorage: vi.fn(async () => {
        created = true;
        throw new OnedataError({ service: 'onepanel', method: 'POST', path: '/provider/storages', status: 0, id: 'connectionError', description: 'socket hang up', details: { code: 'ECONNRESET' } });
      }),
      listStorages: async () => (created ? ['lost'] : []),
      getStorage: async (id: string) => ({ id, name: 'Run1', type: 's3', bucketName: 'facility' }),
    };
    expect(await step('create-storage').run(runWith({ panel }))).toEqual({ storageId: 'lost' });
    expect(panel.createStorage).toHaveBeenCalledTimes(1);
  });
});

describe('support-space', () => {
  it('s3 mode: manual import with a fresh support token', async () => {
    const supportSpace = vi.fn(async () => 'sp1');
    const zone = { createSupportToken: vi.fn(async () => 'support-token-abcdefgh') };
    const run = runWith({ zone, panel: { supportSpace } });
    Object.assign(run.outputs, { spaceId: 'sp1', storageId: 'st1' });
    await step('support-space').run(run);
    expect(zone.createSupportToken).toHaveBeenCalledWith('sp1', { ttlSeconds: 300 });
    expect(supportSpace).toHaveBeenCalledWith({ token: 'support-token-abcdefgh', size: 10995116277760, storageId: 'st1', storageImport: { mode: 'manual' } });
  });

  it('posix mode: auto import with the continousFileImport settings; relationAlreadyExists counts as done', async () => {
    const supportSpace = vi.fn(async () => Promise.reject(odError('relationAlreadyExists', 409)));
    const run = runWith({ zone: { createSupportToken: async () => 't' }, panel: { supportSpace } }, { configExtra: 'storageMode: posix\n' });
    Object.assign(run.outputs, { spaceId: 'sp1', storageId: 'st1' });
    expect(await step('support-space').run(run)).toEqual({ supported: true });
    expect(supportSpace).toHaveBeenCalledWith(expect.objectContaining({ storageImport: { mode: 'auto', autoStorageImportConfig: { continuousScan: true, scanInterval: 10800, detectModifications: false, detectDeletions: false } } }));
  });
});

describe('create-invite-token', () => {
  it('a named userJoinGroup token owned by the service user, with the usage limit and an expiry caveat', async () => {
    const createGroupInviteToken = vi.fn(async () => ({ tokenId: 't1', token: 'invite-token-serialised' }));
    const run = runWith({ zone: { createGroupInviteToken } });
    run.outputs.groupId = 'g1';
    expect(await step('create-invite-token').run(run)).toEqual({ inviteTokenId: 't1', inviteToken: 'invite-token-serialised', inviteTokenName: 'Run1' });
    const req = (createGroupInviteToken.mock.calls[0] as unknown[])[0] as Record<string, any>;
    expect(req).toMatchObject({ ownerUserId: 'svc', name: 'Run1', groupId: 'g1', usageLimit: 5 });
    expect(req.caveats).toEqual([{ type: 'time', validUntil: expect.any(Number) }]);
  });

  it('a name taken by another dataset\'s token is skipped with a deterministic suffix; never adopted', async () => {
    const names: string[] = [];
    const zone = {
      createGroupInviteToken: async (r: { name: string }) => {
        names.push(r.name);
        if (r.name === 'Run1') throw odError('badValueIdentifierOccupied');
        return { tokenId: 't2', token: 'tok2' };
      },
      getNamedTokenByName: async () => ({ tokenId: 'other', name: 'Run1', type: { inviteToken: { inviteType: 'userJoinGroup', groupId: 'someone-else' } } }),
    };
    const run = runWith({ zone });
    run.outputs.groupId = 'g1';
    const out = await step('create-invite-token').run(run);
    expect(out.inviteTokenId).toBe('t2');
    expect(names[1]).toBe(`Run1_${run.record.state.dataset.id.slice(0, 4)}`);
  });

  it('adopts its own token after a lost answer (same group)', async () => {
    const zone = {
      createGroupInviteToken: async () => Promise.reject(odError('badValueIdentifierOccupied')),
      getNamedTokenByName: async () => ({ tokenId: 'mine', name: 'Run1', type: { inviteToken: { groupId: 'g1' } } }),
      getNamedToken: async () => ({ tokenId: 'mine', name: 'Run1', token: 'my-serialised-token' }),
    };
    const run = runWith({ zone });
    run.outputs.groupId = 'g1';
    expect(await step('create-invite-token').run(run)).toEqual({ inviteTokenId: 'mine', inviteToken: 'my-serialised-token', inviteTokenName: 'Run1' });
  });
});

describe('create-share and publish-metadata', () => {
  it('shares the space root with a description that never holds the invite token', async () => {
    const createShare = vi.fn(async () => 'sh1');
    const provider = { createShare, getShare: async () => ({ shareId: 'sh1', name: 'Run1', publicUrl: 'https://zone/share/sh1', rootFileId: 'pub', rootFileType: 'DIR' }) };
    const run = runWith({ provider });
    Object.assign(run.outputs, { spaceId: 'sp1', rootFileId: 'root1' });
    const out = await step('create-share').run(run);
    expect(out).toMatchObject({ shareId: 'sh1', publicUrl: 'https://zone/share/sh1' });
    const [req, opts] = createShare.mock.calls[0] as unknown as [{ description: string; rootFileId: string }, object];
    expect(req.rootFileId).toBe('root1');
    expect(opts).toEqual({ retry: false });
    expect(req.description).toContain('Test Facility');
    expect(req.description).not.toContain('secret-invite-token-123');
  });

  it('after an earlier attempt, finds its share by name and type (a share\'s rootFileId is its own public id)', async () => {
    const createShare = vi.fn();
    const run = runWith(
      { zone: { listSpaceShares: async () => ['sh9'] }, provider: { createShare, getShare: async () => ({ shareId: 'sh9', name: 'Run1', rootFileType: 'DIR', rootFileId: 'public-id', publicUrl: 'u' }) } },
      { mayHaveRunBefore: true },
    );
    Object.assign(run.outputs, { spaceId: 'sp1', rootFileId: 'root1' });
    expect((await step('create-share').run(run)).shareId).toBe('sh9');
    expect(createShare).not.toHaveBeenCalled();
  });

  it('publishes the metadata without the Onedata section', async () => {
    const setJsonMetadata = vi.fn(async () => undefined);
    const run = runWith({ provider: { setJsonMetadata } });
    run.outputs.rootFileId = 'root1';
    await step('publish-metadata').run(run);
    expect(setJsonMetadata).toHaveBeenCalledWith('root1', { A: 1 });
  });
});

describe('start-import', () => {
  it('s3 mode queues the listing of the folder; posix mode force-starts a scan', async () => {
    const enqueueListing = vi.fn(async () => undefined);
    const s3run = runWith({}, { enqueueListing });
    s3run.outputs.spaceId = 'sp1';
    await step('start-import').run(s3run);
    expect(enqueueListing).toHaveBeenCalledWith(expect.objectContaining({ type: 'import-listing', dataset: s3run.record.state.dataset }));
    const forceStartImport = vi.fn(async () => 'alreadyRunning');
    const posix = runWith({ panel: { forceStartImport } }, { configExtra: 'storageMode: posix\n' });
    posix.outputs.spaceId = 'sp1';
    expect(await step('start-import').run(posix)).toEqual({ importStarted: true });
    expect(forceStartImport).toHaveBeenCalledWith('sp1');
  });
});
