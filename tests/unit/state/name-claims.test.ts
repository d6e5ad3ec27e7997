import { describe, expect, it } from 'vitest';
import { datasetRef } from '../../../shared/dataset/ref.ts';
import { validateOnedataName } from '../../../shared/onedata/index.ts';
import { claimOnedataName, nameCandidates, nameClaimKey, NameUnavailableError } from '../../../shared/state/name-claims.ts';
import { MemoryObjects } from '../../helpers/memory-objects.ts';

// Guards shared/state/name-claims.ts: no two datasets of a deployment ever carry the same Onedata name.
describe('claimOnedataName', () => {
  const a = datasetRef('b', 'cryoem/krios1', 'Run');
  const b = datasetRef('b', 'cryoem/krios2', 'Run');

  it('gives the first dataset the name, the second a variant with its own id, and each the same answer again', async () => {
    const objects = new MemoryObjects('b');
    expect(await claimOnedataName(objects, a, 'Run')).toBe('Run');
    expect(await claimOnedataName(objects, b, 'Run')).toBe(`Run_${b.id.slice(0, 4)}`);
    expect(await claimOnedataName(objects, a, 'Run')).toBe('Run');
    expect(await claimOnedataName(objects, b, 'Run')).toBe(`Run_${b.id.slice(0, 4)}`);
    expect(JSON.parse(objects.text(nameClaimKey('Run'))!)).toMatchObject({ datasetId: a.id, prefix: 'cryoem/krios1/Run' });
  });

  it('concurrent claims of one name: exactly one dataset gets it', async () => {
    const objects = new MemoryObjects('b');
    const got = await Promise.all([a, b].map((d) => claimOnedataName(objects, d, 'Run')));
    expect(got.filter((n) => n === 'Run')).toHaveLength(1);
    expect(new Set(got).size).toBe(2);
  });

  it('variants of a 128-character name are valid Onedata names and distinct', () => {
    const long = 'x'.repeat(128);
    const c = nameCandidates(long, a.id);
    expect(new Set(c).size).toBe(c.length);
    for (const n of c) expect(validateOnedataName(n)).toEqual({ ok: true });
  });

  it('refuses clearly when every variant is held by others', async () => {
    const objects = new MemoryObjects('b');
    for (const n of nameCandidates('Run', b.id)) objects.seed(nameClaimKey(n), JSON.stringify({ datasetId: 'someone-else' }));
    await expect(claimOnedataName(objects, b, 'Run')).rejects.toBeInstanceOf(NameUnavailableError);
  });
});
