import { describe, expect, it } from 'vitest';
import { isTransient, OnedataError, waitUntilProviderSeesSpace } from '../../shared/onedata/index.ts';
import { clientFor, posixSpec, uniqueName, useSim } from './onedata-sim-fixture.ts';

const ctx = useSim();

describe('Onedata client under injected faults', () => {
  it('retries transient 503s and dropped connections: a whole provisioning run succeeds at faultRate 0.2', async () => {
    const { sim } = ctx;
    // 11 attempts per call: the chance that one of ~50 calls fails every time is ~1e-6.
    const od = clientFor(sim, { retry: { retries: 10, baseDelayMs: 1, maxDelayMs: 5 } });
    sim.configure({ faultRate: 0.2 });
    const name = uniqueName();
    const spaceId = await od.zone.createSpace({ groupId: sim.info.managerGroupId, name, idGeneratorSeed: `seed/${name}` });
    const storageId = await od.panel.createStorage(posixSpec(name));
    const token = await od.zone.createSupportToken(spaceId, { ttlSeconds: 120 });
    await od.panel.supportSpace({ token, size: 10_000_000, storageId, storageImport: { mode: 'auto' } });
    const { dirId } = await waitUntilProviderSeesSpace(od, spaceId, { deadlineMs: 5000, initialDelayMs: 10, maxDelayMs: 50 });
    const groupId = await od.zone.createChildGroup(sim.info.userGroupId, { name });
    expect(await od.zone.addGroupToSpace(spaceId, groupId, ['space_view', 'space_read_data'])).toBe('added');
    const invite = await od.zone.createGroupInviteToken({ ownerUserId: sim.info.serviceUserId, name, groupId });
    const shareId = await od.provider.createShare({ name, rootFileId: dirId });
    for (let i = 0; i < 30; i++) await od.zone.getSpace(spaceId);

    expect(invite.token).toBeTruthy();
    expect((await od.provider.getShare(shareId)).name).toBe(name);
    const log = sim.requests();
    const faults = log.filter((r) => r.fault === 'serviceUnavailable' || r.fault === 'temporaryFailure' || r.fault === 'dropped');
    // With ~50 calls at 20 %, seeing no fault at all is practically impossible (p ≈ 1e-5).
    expect(faults.length).toBeGreaterThan(0);
    // Faults happen before any effect, so retried creates leave exactly one of each.
    expect((await od.zone.listChildGroups(sim.info.userGroupId)).filter((g) => g === groupId)).toHaveLength(1);
    expect(await od.zone.listSpaceShares(spaceId)).toEqual([shareId]);
  });

  it('without retries the injected faults surface as transient OnedataErrors (503 or status 0)', async () => {
    const { sim } = ctx;
    sim.configure({ faultRate: 1 });
    const od = clientFor(sim, { retry: { retries: 0 } });
    const errors: OnedataError[] = [];
    for (let i = 0; i < 6; i++) {
      const e = await od.zone.getCurrentUser().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(OnedataError);
      errors.push(e as OnedataError);
    }
    for (const e of errors) {
      expect(isTransient(e)).toBe(true);
      expect([0, 503]).toContain(e.status);
      expect(e.message).not.toContain(sim.info.token);
    }
  });

  it('a create whose response was lost happened: repeating it surfaces 409 alreadyExists (typed)', async () => {
    const { sim } = ctx;
    // No automatic retries, so the test controls when the repeat happens; the HTTP layer's own
    // retry of a lost POST takes the same path.
    const od = clientFor(sim, { retry: { retries: 0 } });
    const name = uniqueName();
    const req = { groupId: sim.info.managerGroupId, name, idGeneratorSeed: `seed/${name}` };
    sim.configure({ lostResponseRate: 1 });
    const lost = await od.zone.createSpace(req).catch((x: unknown) => x);
    expect(lost).toBeInstanceOf(OnedataError);
    expect(isTransient(lost)).toBe(true);
    expect((lost as OnedataError).status).toBe(0);
    sim.configure({ lostResponseRate: 0 });
    const e = await od.zone.createSpace(req).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OnedataError);
    expect(e).toMatchObject({ status: 409, id: 'alreadyExists' });
    // The space exists exactly once.
    const spaces = await Promise.all((await od.zone.listEffectiveSpaces()).map((id) => od.zone.getSpace(id)));
    expect(spaces.filter((s) => s.name === name)).toHaveLength(1);
  });

  it('latency does not break anything and the per-service concurrency limit holds', async () => {
    const { sim } = ctx;
    const latencyMs = 30;
    sim.configure({ latencyMs });
    const od = clientFor(sim, { concurrency: 2 });
    await Promise.all(Array.from({ length: 6 }, () => od.zone.getCurrentUser()));
    const starts = sim
      .requests()
      .filter((r) => r.path === '/api/v3/onezone/user')
      .map((r) => r.startedAt)
      .sort((a, b) => a - b);
    expect(starts).toHaveLength(6);
    // Two at a time: the 3rd request can only start once one of the first two has finished, and
    // the 5th once one of the 3rd/4th has (lower bounds only, with 2 ms of timer slack each).
    expect(starts[2]! - starts[0]!).toBeGreaterThanOrEqual(latencyMs - 2);
    expect(starts[4]! - starts[0]!).toBeGreaterThanOrEqual(2 * latencyMs - 4);
  });
});
