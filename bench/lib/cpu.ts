/**
 * Where the machine's CPU went during a figure's window (Linux /proc; elsewhere nothing is
 * reported). On this kind of machine the local stand-ins (Ceph RGW, the Onedata simulator, the SQS
 * server) share the cores with the functions; in a deployment each is a service of its own. The
 * burst figure reports the split, so a ratio far from its bound can be told apart: waiting on
 * Onedata or S3 (cores idle), or a machine with no core to spare (docs/benchmarks.md).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { round } from './stats.ts';

/** /proc's CPU times are in clock ticks: USER_HZ, 100 on every Linux this runs on. */
const TICKS_PER_SECOND = 100;

export interface CpuSnapshot {
  atMs: number;
  /** Busy and total ticks of all cores (/proc/stat's first line). */
  machine: { busy: number; total: number };
  /** CPU ticks (user + system) of each process, with its command name. */
  processes: Map<number, { comm: string; ticks: number }>;
}

export function cpuSnapshot(): CpuSnapshot | undefined {
  let stat: string;
  try {
    stat = readFileSync('/proc/stat', 'utf8');
  } catch {
    return undefined;
  }
  // cpu user nice system idle iowait irq softirq steal guest guest_nice: idle and iowait are the
  // idle ones; guest time is already counted in user and nice, so the sum stops at steal.
  const fields = stat.split('\n', 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  const processes = new Map<number, { comm: string; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ..." — comm may hold spaces and parentheses: it ends at the last ')'.
      const close = text.lastIndexOf(')');
      const comm = text.slice(text.indexOf('(') + 1, close);
      const rest = text.slice(close + 2).split(' ');
      processes.set(Number(entry), { comm, ticks: Number(rest[11]) + Number(rest[12]) });
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return { atMs: Date.now(), machine: { busy: total - idle, total }, processes };
}

/** A role in the stack: the processes it counts. */
export type CpuRoles = Record<string, (pid: number, comm: string) => boolean>;

export interface CpuSplit {
  cores: number;
  /** Share of all cores busy over the window (every process, the kernel's work included). */
  machineBusy: number;
  /** Cores each role used on average over the window (1 = one core the whole time). */
  coresUsed: Record<string, number>;
  /** CPU milliseconds each role used in the window. */
  cpuMs: Record<string, number>;
  /** The busiest processes counted as `other`, by command name (CPU milliseconds). */
  otherTop: Record<string, number>;
}

/** The CPU split between two snapshots; a process is counted under its first matching role, or `other`. */
export function cpuSplit(a: CpuSnapshot, b: CpuSnapshot, roles: CpuRoles): CpuSplit {
  const wallMs = Math.max(1, b.atMs - a.atMs);
  const cpuMs: Record<string, number> = Object.fromEntries([...Object.keys(roles), 'other'].map((r) => [r, 0]));
  const others = new Map<string, number>();
  for (const [pid, p] of b.processes) {
    const before = a.processes.get(pid);
    // A process started within the window counts from zero. (Not compared by name: a kernel
    // worker's name changes with the work it does.)
    const ticks = p.ticks - (before?.ticks ?? 0);
    if (ticks <= 0) continue;
    const role = Object.keys(roles).find((r) => roles[r]!(pid, p.comm)) ?? 'other';
    cpuMs[role]! += (ticks * 1000) / TICKS_PER_SECOND;
    if (role === 'other') others.set(p.comm, (others.get(p.comm) ?? 0) + (ticks * 1000) / TICKS_PER_SECOND);
  }
  const busy = b.machine.busy - a.machine.busy;
  const total = Math.max(1, b.machine.total - a.machine.total);
  return {
    cores: availableParallelism(),
    machineBusy: round(busy / total, 2),
    coresUsed: Object.fromEntries(Object.entries(cpuMs).map(([r, ms]) => [r, round(ms / wallMs, 2)])),
    cpuMs: Object.fromEntries(Object.entries(cpuMs).map(([r, ms]) => [r, Math.round(ms)])),
    otherTop: Object.fromEntries(
      [...others]
        .sort((x, y) => y[1] - x[1])
        .slice(0, 3)
        .map(([comm, ms]) => [comm, Math.round(ms)]),
    ),
  };
}
