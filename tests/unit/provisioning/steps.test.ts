import { describe, expect, it, vi } from 'vitest';
import { testConfig } from '../../helpers/test-config.ts';
import { datasetRef } from '../../../shared/dataset/ref.ts';
import { createLogger, SecretScope } from '../../../shared/log/index.ts';
import { OnedataError, type OnedataClient } from '../../../shared/onedata/index.ts';
import type { SagaRun } from '../../../shared/provisioning/context.ts';
import { PermanentProvisioningError } from '../../../shared/provisioning/errors.ts';
import { PROVISIONING_STEPS } from '../../../shared/provisioning/steps.ts';
import { newDatasetState } from '../../../shared/state/dataset-state.ts';
import { LeaseLostError } from '../../../shared/state/state-store.ts';

/** Unit tests of each provisioning step against a fake Onedata client (no network). */
const INVITE_TOKEN_CONFIG = 'inviteToken: { usageLimit: 5, validForSeconds: 3600 }\n';

const odError = (id: string, status = 400) => new OnedataError({ service: 'onezone', method: 'POST', path: '/x', status, id, description: id });

function runWith(
  onedata: Partial<{ zone: object; provider: object; panel: object }>,
  opts: { configExtra?: string; mayHaveRunBefore?: boolean; enqueueListing?: () => Promise<void>; confirmLease?: () => Promise<void> } = {},
): SagaRun {
  const config = testConfig(INVITE_TOKEN_CONFIG + (opts.configExtra ?? ''));
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
    metadata: {
      key: 'datasets/Run1/SPA.yml',
      fileName: 'SPA.yml',
      etag: 'm',
      text: 'A: 1\n',
      doc: { A: 1, Onedata: { InviteToken: 'secret-invite-token-123' } },
    },
    name: 'Run1',
    mayHaveRunBefore: opts.mayHaveRunBefore ?? false,
    confirmLease: opts.confirmLease ?? (async () => undefined),
    log: createLogger({ test: true }),
    outputs: state.outputs,
    redaction: new SecretScope(),
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
    const zone = {
      createSpace: async () => Promise.reject(odError('alreadyExists', 409)),
      listGroupSpaces: async () => ['a', 'b'],
      getSpace: async (id: string) => ({ spaceId: id, name: 'Run1' }),
    };
    await expect(step('create-space').run(runWith({ zone }))).rejects.toBeInstanceOf(PermanentProvisioningError);
  });
});

describe('create-storage', () => {
  it('s3 mode: an imported, read-only, canonical S3 storage with block size 0, sent once', async () => {
    const createStorage = vi.fn(async () => 'st1');
    const listStorages = vi.fn(async () => []);
    expect(await step('create-storage').run(runWith({ panel: { createStorage, listStorages } }))).toEqual({ storageId: 'st1' });
    expect(createStorage).toHaveBeenCalledWith(
      expect.objectContaining({
        type: 's3',
        name: 'Run1',
        hostname: 'https://s3.example.org',
        bucketName: 'facility',
        importedStorage: true,
        readonly: true,
        storagePathType: 'canonical',
        blockSize: 0,
        accessKey: 'AK',
        secretKey: 'SK-secret-1234',
      }),
      { retry: false },
    );
    // First run: no lookup calls.
    expect(listStorages).not.toHaveBeenCalled();
  });

  it('posix mode: an imported, read-only POSIX storage at the dataset folder', async () => {
    const createStorage = vi.fn(async () => 'st2');
    const run = runWith({ panel: { createStorage } }, { configExtra: 'storageMode: posix\n' });
    await step('create-storage').run(run);
    expect(createStorage).toHaveBeenCalledWith(
      {
        type: 'posix',
        name: 'Run1',
        mountPoint: '/volumes/facility/datasets/Run1',
        importedStorage: true,
        readonly: true,
        qosParameters: { s3odDataset: run.record.state.dataset.id },
      },
      { retry: false },
    );
  });

  it('after an earlier attempt, looks before creating and adopts its storage: the one marked with this dataset', async () => {
    const createStorage = vi.fn(async () => 'new');
    const run = runWith({}, { mayHaveRunBefore: true });
    const mark = { s3odDataset: run.record.state.dataset.id };
    const storages: Record<string, object> = {
      // Same name, type and bucket, but another dataset's (or nobody's): never adopted.
      other: { name: 'Run1', type: 's3', bucketName: 'facility', qosParameters: { s3odDataset: 'another-dataset' } },
      unmarked: { name: 'Run1', type: 's3', bucketName: 'facility', qosParameters: {} },
      posix: { name: 'Run1', type: 'posix', qosParameters: mark },
      mine: { name: 'Run1', type: 's3', bucketName: 'facility', qosParameters: { ...mark, storageId: 'mine', providerId: 'p' } },
    };
    run.deps.onedata = {
      panel: { createStorage, listStorages: async () => Object.keys(storages), getStorage: async (id: string) => ({ id, ...storages[id] }) },
    } as never;
    expect(await step('create-storage').run(run)).toEqual({ storageId: 'mine' });
    expect(createStorage).not.toHaveBeenCalled();
  });

  it('never adopts a same-named storage of another dataset: it creates its own', async () => {
    const createStorage = vi.fn(async () => 'new');
    const panel = {
      createStorage,
      listStorages: async () => ['other'],
      getStorage: async (id: string) => ({ id, name: 'Run1', type: 's3', bucketName: 'facility', qosParameters: { s3odDataset: 'another-dataset' } }),
    };
    expect(await step('create-storage').run(runWith({ panel }, { mayHaveRunBefore: true }))).toEqual({ storageId: 'new' });
  });

  it('a create whose answer was lost is looked up before it is sent again', async () => {
    let created = false;
    const panel = {
      createStorage: vi.fn(async () => {
        created = true;
        throw new OnedataError({
          service: 'onepanel',
          method: 'POST',
          path: '/provider/storages',
          status: 0,
          id: 'connectionError',
          description: 'socket hang up',
          details: { code: 'ECONNRESET' },
        });
      }),
      listStorages: async () => (created ? ['lost'] : []),
      getStorage: async (id: string) => ({ id, name: 'Run1', type: 's3', bucketName: 'facility', qosParameters: { s3odDataset: run.record.state.dataset.id } }),
    };
    const run = runWith({ panel });
    expect(await step('create-storage').run(run)).toEqual({ storageId: 'lost' });
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
    expect(supportSpace).toHaveBeenCalledWith(
      expect.objectContaining({
        storageImport: {
          mode: 'auto',
          autoStorageImportConfig: { continuousScan: true, scanInterval: 10800, detectModifications: false, detectDeletions: false },
        },
      }),
    );
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

  it("a name taken by another dataset's token is skipped with a deterministic suffix; never adopted", async () => {
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

describe('adoption is by identity (issue: adoption by name)', () => {
  // Guards markedFor/datasetMarker and the group's space check in shared/provisioning/steps.ts.
  it('marks the invite token with the dataset id, and never adopts a token marked for another dataset, even for the same group', async () => {
    const created: Record<string, any>[] = [];
    const zone = {
      createGroupInviteToken: async (r: Record<string, any>) => {
        created.push(r);
        if (r.name === 'Run1') throw odError('badValueIdentifierOccupied');
        return { tokenId: 't2', token: 'tok2' };
      },
      getNamedTokenByName: async () => ({
        tokenId: 'other',
        name: 'Run1',
        type: { inviteToken: { groupId: 'g1' } },
        metadata: { custom: { s3odDataset: 'another-dataset' } },
      }),
      getNamedToken: async () => ({ tokenId: 'other', name: 'Run1', token: 'someone-elses-token' }),
    };
    const run = runWith({ zone });
    run.outputs.groupId = 'g1';
    expect(await step('create-invite-token').run(run)).toMatchObject({ inviteTokenId: 't2', inviteToken: 'tok2' });
    expect(created[0]!.customMetadata).toEqual({ s3odDataset: run.record.state.dataset.id });
  });

  it('adopts a token marked with this dataset', async () => {
    const run = runWith({});
    run.deps.onedata = {
      zone: {
        createGroupInviteToken: async () => Promise.reject(odError('badValueIdentifierOccupied')),
        getNamedTokenByName: async () => ({
          tokenId: 'mine',
          name: 'Run1',
          type: { inviteToken: { groupId: 'g1' } },
          metadata: { custom: { s3odDataset: run.record.state.dataset.id } },
        }),
        getNamedToken: async () => ({ tokenId: 'mine', name: 'Run1', token: 'my-serialised-token' }),
      },
    } as never;
    run.outputs.groupId = 'g1';
    expect(await step('create-invite-token').run(run)).toMatchObject({ inviteTokenId: 'mine', inviteToken: 'my-serialised-token' });
  });

  it('never adopts a same-named group that already belongs to another space', async () => {
    const createChildGroup = vi.fn(async () => 'g-new');
    const zone = {
      createChildGroup,
      listChildGroups: async () => ['g-other'],
      getGroup: async (id: string) => ({ groupId: id, name: 'Run1' }),
      listGroupSpaces: async () => ['space-of-another-dataset'],
    };
    expect(await step('create-group').run(runWith({ zone }, { mayHaveRunBefore: true }))).toEqual({ groupId: 'g-new' });
    expect(createChildGroup).toHaveBeenCalledTimes(1);
  });

  it("adopts its own group already in this dataset's space, and runs only once the space id is known", async () => {
    // Guards create-group's need of create-space: records are written beside the calls, so a group
    // may have joined the space before the space id reached the record; the resumed run must know
    // the space id before it judges a found group, or it would create a second one.
    expect(step('create-group').needs).toContain('create-space');
    const createChildGroup = vi.fn(async () => 'g-new');
    const zone = {
      createChildGroup,
      listChildGroups: async () => ['g-mine'],
      getGroup: async (id: string) => ({ groupId: id, name: 'Run1' }),
      listGroupSpaces: async () => ['sp-mine'],
    };
    const run = runWith({ zone }, { mayHaveRunBefore: true });
    run.outputs.spaceId = 'sp-mine';
    expect(await step('create-group').run(run)).toEqual({ groupId: 'g-mine' });
    expect(createChildGroup).not.toHaveBeenCalled();
  });

  it('adopts its own group (in no space yet) after a lost answer', async () => {
    const createChildGroup = vi.fn(async () => 'g-new');
    const zone = {
      createChildGroup,
      listChildGroups: async () => ['g-mine'],
      getGroup: async (id: string) => ({ groupId: id, name: 'Run1' }),
      listGroupSpaces: async () => [],
    };
    expect(await step('create-group').run(runWith({ zone }, { mayHaveRunBefore: true }))).toEqual({ groupId: 'g-mine' });
    expect(createChildGroup).not.toHaveBeenCalled();
  });
});

describe('create-share and publish-metadata', () => {
  it('shares the space root with a description that never holds the invite token', async () => {
    const createShare = vi.fn(async () => 'sh1');
    const provider = {
      createShare,
      getShare: async () => ({ shareId: 'sh1', name: 'Run1', publicUrl: 'https://zone/share/sh1', rootFileId: 'pub', rootFileType: 'DIR' }),
    };
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

  it("after an earlier attempt, finds its share by name and type (a share's rootFileId is its own public id)", async () => {
    const createShare = vi.fn();
    const run = runWith(
      {
        zone: { listSpaceShares: async () => ['sh9'] },
        provider: { createShare, getShare: async () => ({ shareId: 'sh9', name: 'Run1', rootFileType: 'DIR', rootFileId: 'public-id', publicUrl: 'u' }) },
      },
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

describe('a worker whose lease passed to another (a stall longer than the lease)', () => {
  // Guards: the lease check right before each unguarded create (create-once.ts). Without it the
  // stale worker sends its create beside the worker that took over: a second storage, group,
  // share or QoS requirement, since its first attempt does not look first.
  const lost = async () => {
    throw new LeaseLostError('the lease on datasets/Run1 passed to another worker');
  };
  const cases: [string, (create: () => Promise<string>) => Partial<{ zone: object; provider: object; panel: object }>][] = [
    ['create-storage', (create) => ({ panel: { createStorage: create } })],
    ['create-group', (create) => ({ zone: { createChildGroup: create } })],
    ['create-share', (create) => ({ provider: { createShare: create } })],
    ['add-qos-requirement', (create) => ({ provider: { addQosRequirement: create } })],
  ];
  it.each(cases)('%s: creates nothing and fails with LeaseLostError', async (name, fakes) => {
    const create = vi.fn(async () => 'created');
    const run = runWith(fakes(create), { confirmLease: lost });
    Object.assign(run.outputs, { spaceId: 'sp1', rootFileId: 'root1' });
    run.metadata.doc = { ...run.metadata.doc, Replication: { Replicas: 2 } };
    await expect(step(name).run(run)).rejects.toBeInstanceOf(LeaseLostError);
    expect(create).not.toHaveBeenCalled();
  });
});
