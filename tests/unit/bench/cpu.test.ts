import { describe, expect, it } from 'vitest';
import { cpuSnapshot, cpuSplit, type CpuSnapshot } from '../../../bench/lib/cpu.ts';

/** The burst figure's CPU split (bench/lib/cpu.ts). */
const snap = (atMs: number, busy: number, total: number, procs: [number, string, number][]): CpuSnapshot => ({
  atMs,
  machine: { busy, total },
  processes: new Map(procs.map(([pid, comm, ticks]) => [pid, { comm, ticks }])),
});

describe('cpuSplit', () => {
  it('charges each process to its role by its ticks in the window, in cores and CPU milliseconds', () => {
    const a = snap(0, 1000, 5000, [
      [10, 'node', 500],
      [20, 'radosgw', 100],
      [21, 'ceph-osd', 50],
      [30, 'kworker/0:1-events', 7],
    ]);
    // 2 s later: node used 150 ticks (1.5 s), the Ceph daemons 100, a kernel worker (renamed with
    // its work) 3, and a process started within the window 20.
    const b = snap(2000, 1300, 5400, [
      [10, 'node', 650],
      [20, 'radosgw', 180],
      [21, 'ceph-osd', 70],
      [30, 'kworker/0:1-virtio_vsock', 10],
      [40, 'sh', 20],
    ]);
    const split = cpuSplit(a, b, { functions: (pid) => pid === 10, rgw: (_pid, comm) => /^(radosgw|ceph-)/.test(comm) });
    expect(split.cpuMs).toEqual({ functions: 1500, rgw: 1000, other: 230 });
    expect(split.coresUsed).toEqual({ functions: 0.75, rgw: 0.5, other: 0.12 });
    expect(split.machineBusy).toBe(0.75);
    expect(split.otherTop).toEqual({ sh: 200, 'kworker/0:1-virtio_vsock': 30 });
  });

  it('reads this machine: the test process itself is among the processes', () => {
    const s = cpuSnapshot();
    if (!s) return; // not Linux: nothing to read
    expect(s.processes.get(process.pid)?.ticks).toBeGreaterThan(0);
    expect(s.machine.total).toBeGreaterThan(s.machine.busy);
  });
});
