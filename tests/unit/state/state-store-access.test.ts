/**
 * The saga saves its whole record under its lease; `s3od access` records tokens without the lease
 * (compare-and-swap). A save that meets such a write must keep the recorded tokens: a dropped
 * grant would be a token `s3od access --revoke` no longer knows about.
 */
import { describe, expect, it } from 'vitest';
import { datasetRef } from '../../../shared/dataset/ref.ts';
import { StateStore } from '../../../shared/state/state-store.ts';
import { MemoryObjects } from '../../helpers/memory-objects.ts';

describe('StateStore.save and the access grants', () => {
  it('keeps a grant written by s3od access while the saga held the lease', async () => {
    const states = new StateStore(new MemoryObjects());
    const dataset = datasetRef('facility', 'datasets', 'Run1');
    const leased = await states.acquireLease(dataset, 'worker-1', 30_000);
    if ('busy' in leased) throw new Error('lease not taken');
    const grant = { tokenId: 't1', name: 's3od-access-1_Run1', issuedAt: 'a', expiresAt: 'b', providerUrl: 'https://p', caveats: 'data.readonly' };
    await states.update(dataset, (s) => void (s.access = [grant]));
    leased.state.outputs.spaceId = 'space-1';
    await states.save(leased);
    const after = (await states.read(dataset.id))!.state;
    expect(after.outputs.spaceId).toBe('space-1');
    expect(after.access).toEqual([grant]);
  });
});
