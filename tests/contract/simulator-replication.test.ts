/**
 * Several providers, replicas and QoS as 21.02.7 answers them (reference onedata-api.md §3.4, §5.1,
 * §5.3, §6.2, §10): each secondary supports the space on its storage for replicas, a QoS requirement
 * on the space root is `pending` while the transfers it started run (`transferDurationMs`) and
 * `fulfilled` once every file has its replicas; revoking a support takes that provider's copies away.
 */
import { describe, expect, it } from 'vitest';
import type { RunningSim } from '../../infra/local/onedata-sim/index.ts';
import { createProviderClients } from '../../shared/onedata/index.ts';
import { actionErrorOf, errorOf, provision, supportToken, until, useFreshSim, type Api } from './simulator-helpers.ts';
import { clientFor } from './onedata-sim-fixture.ts';

let sim: RunningSim;
let api: Api;
useFreshSim((s) => ({ sim, api } = s), { providers: 3, replicaStorages: true, transferDurationMs: 300 });

const replicaStorage = (i: number): string => sim.info.providers[i]!.replicaStorageId!;

async function rootOf(spaceId: string): Promise<string> {
  return (await api.op('GET', `/spaces/${spaceId}`)).body.fileId;
}

/** A space on the primary (manual import) with two registered files of 100 and 50 bytes. */
async function datasetWithFiles(name = 'dataset_1'): Promise<{ spaceId: string; storageId: string; rootId: string }> {
  const { spaceId, storageId } = await provision(api, {
    name,
    mode: 'manual',
    storage: {
      type: 's3',
      hostname: 'http://127.0.0.1:7480',
      bucketName: name,
      accessKey: 'AK',
      secretKey: 'SK',
      importedStorage: true,
      readonly: true,
      storagePathType: 'canonical',
      blockSize: 0,
    },
  });
  for (const [path, size] of [
    ['/raw/a.dat', 100],
    ['/b.dat', 50],
  ] as const) {
    const r = await api.op('POST', '/data/register', { spaceId, storageId, storageFileId: path, destinationPath: path, size });
    expect(r.status).toBe(201);
  }
  return { spaceId, storageId, rootId: await rootOf(spaceId) };
}

async function supportOn(provider: number, spaceId: string): Promise<number> {
  const token = await supportToken(api, spaceId);
  return (await api.panel('POST', '/provider/spaces', { token, size: 10_000_000, storageId: replicaStorage(provider) }, { provider })).status;
}

describe('several providers', () => {
  it('/_sim/info lists every provider with its storage for replicas; the storage is plain read-write POSIX with a QoS parameter', async () => {
    const info = (await (await fetch(`${sim.url}/_sim/info`)).json()) as RunningSim['info'];
    expect(info.providers).toHaveLength(3);
    expect(info.providers.map((p) => p.primary)).toEqual([true, false, false]);
    for (const [i, p] of info.providers.entries()) {
      expect(p.replicaStorageId).toMatch(/\w+/);
      const s = await api.panel('GET', `/provider/storages/${p.replicaStorageId}`, undefined, { provider: i });
      expect(s.body).toMatchObject({
        name: 'replicas',
        type: 'posix',
        importedStorage: false,
        readonly: false,
        qosParameters: { replicas: 'true', providerId: p.id },
      });
    }
    sim.reset();
    expect(sim.info.providers.map((p) => p.replicaStorageId)).toEqual(info.providers.map((p) => p.replicaStorageId));
  });

  it('a storage for replicas supports many spaces; the same provider never supports a space twice (409 relationAlreadyExists)', async () => {
    const a = await datasetWithFiles('dataset_a');
    const b = await datasetWithFiles('dataset_b');
    expect(await supportOn(1, a.spaceId)).toBe(201);
    expect(await supportOn(1, b.spaceId)).toBe(201);
    const token = await supportToken(api, a.spaceId);
    const again = await api.panel('POST', '/provider/spaces', { token, size: 10_000_000, storageId: replicaStorage(1) }, { provider: 1 });
    expect(again.status).toBe(409);
    expect(actionErrorOf(again).id).toBe('relationAlreadyExists');
    expect(Object.keys((await api.oz('GET', `/spaces/${a.spaceId}`)).body.providers).sort()).toEqual([sim.info.providerIds[0], sim.info.providerIds[1]].sort());
  });
});

describe('QoS requirement on the space root', () => {
  it('is pending while its transfers run, then fulfilled; transfer statistics count files and bytes per provider', async () => {
    const { spaceId, rootId } = await datasetWithFiles();
    expect(await supportOn(1, spaceId)).toBe(201);
    expect(await supportOn(2, spaceId)).toBe(201);
    const created = await api.op('POST', '/qos_requirements', { fileId: rootId, expression: 'anyStorage', replicasNum: 3 });
    expect(created.status).toBe(201);
    const qid = created.body.qosRequirementId as string;
    expect(created.headers.get('location')).toBe(`${sim.info.providers[0]!.url}/api/v3/oneprovider/qos_requirements/${qid}`);
    expect((await api.op('GET', `/qos_requirements/${qid}`)).body).toMatchObject({
      status: 'pending',
      replicasNum: 3,
      expression: 'anyStorage',
      fileId: rootId,
    });
    expect((await api.op('GET', `/data/${rootId}/qos/summary`)).body).toEqual({ requirements: { [qid]: 'pending' }, status: 'pending' });

    const waiting = (await api.op('GET', `/spaces/${spaceId}/transfers?state=waiting`)).body.transfers as string[];
    expect(waiting).toHaveLength(2);
    // Paged as op-worker pages it (limit 1–1000, default 100; an opaque page_token): a client
    // that never pages would miss transfers on a real server. Guards transferPageLimit and the token.
    const first = await api.op('GET', `/spaces/${spaceId}/transfers?state=waiting&limit=1`);
    expect(first.body.transfers).toEqual([waiting[0]]);
    expect(first.body.nextPageToken).toEqual(expect.any(String));
    const second = await api.op('GET', `/spaces/${spaceId}/transfers?state=waiting&limit=1&page_token=${first.body.nextPageToken}`);
    expect(second.body).toEqual({ transfers: [waiting[1]], nextPageToken: null });
    for (const [limit, id] of [
      ['0', 'badValueNotInRange'],
      ['1001', 'badValueNotInRange'],
      ['abc', 'badValueInteger'],
    ] as const) {
      const bad = await api.op('GET', `/spaces/${spaceId}/transfers?state=waiting&limit=${limit}`);
      expect({ limit, status: bad.status, id: errorOf(bad).id }).toEqual({ limit, status: 400, id });
    }
    const transfers = await Promise.all(waiting.map(async (id) => (await api.op('GET', `/transfers/${id}`)).body));
    expect(transfers.map((t) => t.replicatingProviderId).sort()).toEqual([sim.info.providerIds[1], sim.info.providerIds[2]].sort());
    for (const t of transfers)
      expect(t).toMatchObject({ type: 'replication', transferStatus: 'scheduled', filesToProcess: 2, filesReplicated: 0, bytesReplicated: 0 });

    await until(async () => (await api.op('GET', `/qos_requirements/${qid}`)).body.status === 'fulfilled', 3000);
    const ended = (await api.op('GET', `/spaces/${spaceId}/transfers?state=ended`)).body.transfers as string[];
    expect(ended.sort()).toEqual([...waiting].sort());
    for (const id of ended) {
      expect((await api.op('GET', `/transfers/${id}`)).body).toMatchObject({
        transferStatus: 'completed',
        filesReplicated: 2,
        bytesReplicated: 150,
        filesProcessed: 2,
      });
    }
    // Fulfilled is stable: a repeat GET starts nothing new.
    expect((await api.op('GET', `/qos_requirements/${qid}`)).body.status).toBe('fulfilled');
    expect((await api.op('GET', `/spaces/${spaceId}/transfers?state=waiting`)).body.transfers).toEqual([]);
  });

  it('is impossible when fewer providers support the space than replicasNum, and becomes pending once they do', async () => {
    const { spaceId, rootId } = await datasetWithFiles();
    const qid = (await api.op('POST', '/qos_requirements', { fileId: rootId, expression: 'anyStorage', replicasNum: 2 })).body.qosRequirementId;
    expect((await api.op('GET', `/qos_requirements/${qid}`)).body.status).toBe('impossible');
    expect(await supportOn(1, spaceId)).toBe(201);
    expect((await api.op('GET', `/qos_requirements/${qid}`)).body.status).toBe('pending');
    await until(async () => (await api.op('GET', `/qos_requirements/${qid}`)).body.status === 'fulfilled', 3000);
  });

  it('an empty space fulfils at once; a bad expression is 400 invalidQosExpression', async () => {
    const { spaceId } = await provision(api, { mode: 'manual' });
    const rootId = await rootOf(spaceId);
    const qid = (await api.op('POST', '/qos_requirements', { fileId: rootId, expression: 'anyStorage', replicasNum: 1 })).body.qosRequirementId;
    expect((await api.op('GET', `/qos_requirements/${qid}`)).body.status).toBe('fulfilled');
    expect(errorOf(await api.op('POST', '/qos_requirements', { fileId: rootId, expression: 'a=' })).id).toBe('invalidQosExpression');
  });
});

describe('revocation and deletion', () => {
  it('revoking the primary after fulfilment keeps replicasNum 2 fulfilled on the secondaries; replicasNum 3 becomes impossible', async () => {
    const { spaceId, rootId } = await datasetWithFiles();
    expect(await supportOn(1, spaceId)).toBe(201);
    expect(await supportOn(2, spaceId)).toBe(201);
    const two = (await api.op('POST', '/qos_requirements', { fileId: rootId, expression: 'anyStorage', replicasNum: 2 })).body.qosRequirementId;
    const three = (await api.op('POST', '/qos_requirements', { fileId: rootId, expression: 'anyStorage', replicasNum: 3 })).body.qosRequirementId;
    await until(async () => (await api.op('GET', `/data/${rootId}/qos/summary`)).body.status === 'fulfilled', 3000);
    expect((await api.panel('DELETE', `/provider/spaces/${spaceId}`)).status).toBe(204);
    const status = async (qid: string) => (await api.op('GET', `/qos_requirements/${qid}`, undefined, { provider: 1 })).body.status;
    expect(await status(two)).toBe('fulfilled');
    expect(await status(three)).toBe('impossible');
    expect(Object.keys((await api.oz('GET', `/spaces/${spaceId}`)).body.providers).sort()).toEqual([sim.info.providerIds[1], sim.info.providerIds[2]].sort());
  });

  it('revoking a secondary before its transfer ends leaves the requirement pending and starts a transfer to the other one', async () => {
    const { spaceId, rootId } = await datasetWithFiles();
    expect(await supportOn(1, spaceId)).toBe(201);
    const qid = (await api.op('POST', '/qos_requirements', { fileId: rootId, expression: 'anyStorage', replicasNum: 2 })).body.qosRequirementId;
    expect((await api.panel('DELETE', `/provider/spaces/${spaceId}`, undefined, { provider: 1 })).status).toBe(204);
    expect((await api.op('GET', `/qos_requirements/${qid}`)).body.status).toBe('impossible');
    expect(await supportOn(2, spaceId)).toBe(201);
    expect((await api.op('GET', `/qos_requirements/${qid}`)).body.status).toBe('pending');
    await until(async () => (await api.op('GET', `/qos_requirements/${qid}`)).body.status === 'fulfilled', 3000);
    const snapshot = sim.state() as { replicas: Record<string, string[]> };
    expect(snapshot.replicas[sim.info.providerIds[1]!] ?? []).toEqual([]);
    expect(snapshot.replicas[sim.info.providerIds[2]!]).toHaveLength(2);
  });

  it('the storage for replicas cannot be deleted while it supports a space (400 errorOnNodes storageInUse); Onezone-side removal then frees it', async () => {
    const { spaceId } = await datasetWithFiles();
    expect(await supportOn(1, spaceId)).toBe(201);
    const refused = await api.panel('DELETE', `/provider/storages/${replicaStorage(1)}`, undefined, { provider: 1 });
    expect(refused.status).toBe(400);
    expect(actionErrorOf(refused).id).toBe('storageInUse');
    expect((await api.oz('DELETE', `/spaces/${spaceId}/providers/${sim.info.providerIds[1]}`)).status).toBe(204);
    expect(errorOf(await api.oz('DELETE', `/spaces/${spaceId}/providers/${sim.info.providerIds[1]}`)).id).toBe('relationDoesNotExist');
    expect((await api.panel('DELETE', `/provider/storages/${replicaStorage(1)}`, undefined, { provider: 1 })).status).toBe(204);
  });
});

describe('the client for several providers', () => {
  it('talks to each secondary; lists transfers by state, reads the QoS summary, removes a support on the Onezone side', async () => {
    const { spaceId, rootId } = await datasetWithFiles();
    const od = clientFor(sim);
    const [second, third] = createProviderClients(
      { onezoneUrl: sim.url, oneproviderUrl: sim.url, onezoneToken: sim.info.token, retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 5 } },
      [sim.info.providers[1]!.url, sim.info.providers[2]!.url],
    );
    expect((await second!.provider.getConfiguration()).providerId).toBe(sim.info.providerIds[1]);
    for (const p of [second!, third!]) {
      const token = await od.zone.createSupportToken(spaceId, { ttlSeconds: 60 });
      const storageId = (await p.panel.listStorages())[0]!;
      await p.panel.supportSpace({ token, size: 10_000_000, storageId });
    }
    const qid = await od.provider.addQosRequirement({ fileId: rootId, expression: 'anyStorage', replicasNum: 3 });
    expect(await od.provider.listSpaceTransfers(spaceId, 'waiting')).toHaveLength(2);
    expect((await od.provider.getQosSummary(rootId)).status).toBe('pending');
    await until(async () => (await od.provider.getQosRequirement(qid)).status === 'fulfilled', 3000);
    const ended = await second!.provider.listSpaceTransfers(spaceId, 'ended');
    const stats = await Promise.all(ended.map((id) => second!.provider.getTransfer(id)));
    expect(stats.map((t) => t.bytesReplicated)).toEqual([150, 150]);
    await od.zone.removeSpaceSupport(spaceId, sim.info.providerIds[2]!);
    expect((await od.zone.listSpaceProviders(spaceId)).sort()).toEqual([sim.info.providerIds[0], sim.info.providerIds[1]].sort());
    await expect(od.zone.removeSpaceSupport(spaceId, sim.info.providerIds[2]!)).rejects.toMatchObject({ id: 'relationDoesNotExist' });
  });
});
