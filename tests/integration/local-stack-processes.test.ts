import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { control } from '../helpers/stack-client.ts';

/**
 * The local stack names its own Ceph daemons by pid (RunningStack.cephPids, from rgw.sh's pid
 * files): the burst benchmark charges CPU to Ceph by these pids, not by process names that another
 * Ceph on the machine would share.
 */
describe("the local stack's Ceph daemons", () => {
  it('are the running monitor, OSD and radosgw of this stack', async () => {
    const pids = (await control('GET', '/ceph/pids')) as number[];
    const names = pids.map((pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).sort();
    expect(names).toEqual(['ceph-mon', 'ceph-osd', 'radosgw']);
  });
});
