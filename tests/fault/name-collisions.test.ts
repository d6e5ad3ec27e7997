import { afterEach, describe, expect, it } from 'vitest';
import { load } from 'js-yaml';
import type { SimDropAnswerRule, SimRequestLogEntry } from '../../infra/local/onedata-sim/types.ts';
import { readState, uniqueName, uploadDataset, waitForStatus } from '../helpers/datasets.ts';
import { control, getText, s3Client, simState, stackInfo, waitForQueuesIdle } from '../helpers/stack-client.ts';

/**
 * Issue "adoption by name": two datasets whose Onedata names collide — the same folder name under
 * two watched directories, and two folder names equal after clean-up ("A B" and "A_B") — are
 * provisioned at once while the first answer of every create call of each is lost (the object
 * exists, the dataset does not know its id). Each must end with its own complete set of objects,
 * disjoint from the other's: its own space, storage, group, invite token and share, its group in
 * its space only, and its own token in its metadata file.
 *
 * Guards the name claims (shared/state/name-claims.ts) and the identity checks of adoption
 * (markedFor / the group's spaces in shared/provisioning/steps.ts). Before them, a lost answer made
 * dataset B adopt A's group and token, and in s3 mode A's storage.
 */
const info = stackInfo();
const s3 = s3Client(info);
const sim = async (knobs: Record<string, unknown>) => {
  const res = await fetch(`${info.onedataUrl}/_sim/config`, { method: 'POST', body: JSON.stringify(knobs), headers: { 'content-type': 'application/json' } });
  if (!res.ok) throw new Error(`sim config: ${res.status} ${await res.text()}`);
  return res.json() as Promise<{ dropAnswers: SimDropAnswerRule[] }>;
};
const requests = async (): Promise<SimRequestLogEntry[]> => (await fetch(`${info.onedataUrl}/_sim/requests`)).json() as Promise<SimRequestLogEntry[]>;

const CREATES = [
  { method: 'POST', path: '/api/v3/onezone/groups/[^/]+/spaces' },
  { method: 'POST', path: '/api/v3/onepanel/provider/storages' },
  { method: 'POST', path: '/api/v3/onezone/groups/[^/]+/children' },
  { method: 'POST', path: '/api/v3/onezone/users/[^/]+/tokens/named' },
  { method: 'POST', path: '/api/v3/oneprovider/shares' },
];

describe('datasets whose Onedata names collide', () => {
  afterEach(async () => {
    await sim({ dropAnswers: [] });
    await control('POST', '/config', {});
  });

  it('end with two complete, disjoint sets of objects, even when every create loses its first answer', async () => {
    await control('POST', '/config', { watchedDirectories: ['datasets/*'] });
    const word = uniqueName('Clash');
    const folders = [
      ['datasets/krios1', word],
      ['datasets/krios2', word],
      ['datasets/krios1', `${word} B`],
      ['datasets/krios2', `${word}_B`],
    ] as const;
    const mark = (await requests()).length;
    // Each create call that names one of these datasets loses its answer, as often as there are datasets.
    await sim({ dropAnswers: CREATES.map((c) => ({ ...c, bodyContains: word, times: folders.length })) });
    const prefixes = await Promise.all(folders.map(([base, name]) => uploadDataset(s3, name, { base, files: 1 })));
    const states = await Promise.all(prefixes.map((p) => waitForStatus(s3, p, ['provisioned', 'failed'], 90_000)));
    await waitForQueuesIdle();

    // The premise: lost answers hit every kind of create.
    const log = (await requests()).slice(mark);
    for (const c of CREATES) {
      const re = new RegExp(`^(?:${c.path})$`);
      const lost = log.filter((e) => e.method === c.method && re.test(e.path) && e.fault === 'lostResponse');
      expect.soft({ path: c.path, lostAtLeast2: lost.length >= 2 }).toEqual({ path: c.path, lostAtLeast2: true });
    }

    for (const s of states)
      expect({ dataset: s.dataset.prefix, status: s.status, reason: s.failureReason }).toEqual({
        dataset: s.dataset.prefix,
        status: 'provisioned',
        reason: undefined,
      });
    // Distinct Onedata names, decided once and recorded.
    const names = states.map((s) => s.outputs.onedataName);
    expect(new Set(names).size).toBe(folders.length);
    // Disjoint ids.
    for (const key of ['spaceId', 'storageId', 'groupId', 'inviteTokenId', 'shareId'] as const) {
      expect.soft(new Set(states.map((s) => s.outputs[key])).size, key).toBe(folders.length);
    }

    const st = await simState();
    for (const [i, s] of states.entries()) {
      const name = names[i]!;
      // Exactly one of each object carries this dataset's name: nothing was created twice.
      expect
        .soft({
          name,
          spaces: st.spaces.filter((x: any) => x.name === name).length,
          storages: st.storages.filter((x: any) => x.name === name).length,
          groups: st.groups.filter((x: any) => x.name === name).length,
          tokens: st.tokens.filter((x: any) => x.name === name).length,
          shares: st.shares.filter((x: any) => x.name === name).length,
        })
        .toEqual({ name, spaces: 1, storages: 1, groups: 1, tokens: 1, shares: 1 });
      // The group is in this dataset's space and no other.
      const inSpaces = st.spaces.filter((x: any) => Object.keys(x.groups).includes(s.outputs.groupId!)).map((x: any) => x.id);
      expect(inSpaces).toEqual([s.outputs.spaceId]);
      // The token invites to this dataset's group, carries its id, and is the one in its file.
      const token = st.tokens.find((t: any) => t.id === s.outputs.inviteTokenId);
      expect(token.type.inviteToken.groupId).toBe(s.outputs.groupId);
      expect(token.customMetadata).toEqual({ s3odDataset: s.dataset.id });
      const doc = load(await getText(s3, `${prefixes[i]}/SPA.yml`)) as any;
      expect(doc.Onedata.InviteToken).toBe(s.outputs.inviteToken);
      expect(doc.Onedata.Space).toBe(s.outputs.spaceId);
      // The storage is marked with this dataset.
      expect(st.storages.find((x: any) => x.id === s.outputs.storageId).qosParameters.s3odDataset).toBe(s.dataset.id);
      expect((await readState(s3, prefixes[i]!))!.status).toBe('provisioned');
    }
  });
});
