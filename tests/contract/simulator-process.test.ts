import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOnedataSimProcess, type SimProcess } from '../../infra/local/onedata-sim/process.ts';

/**
 * Guards the simulator's own process (infra/local/onedata-sim/process.ts and child.ts), as the
 * local stack runs it: Onedata's work must not run on the functions' event loop (benchmarks would
 * charge it to s3od), every RunningSim method must still work (the benchmark and the fault tests'
 * knobs use them), and the stack's stop must end the process.
 */
let sim: SimProcess;

beforeAll(async () => {
  sim = await startOnedataSimProcess({ providers: 2, latencyMs: 0 });
});

afterAll(async () => {
  await sim?.close();
});

describe('the simulator in a process of its own', () => {
  it('runs outside this process and answers the REST API', async () => {
    expect(sim.pid).not.toBe(process.pid);
    expect(sim.info.providerIds).toHaveLength(2);
    const res = await fetch(`${sim.url}/api/v3/onezone/user`, { headers: { 'X-Auth-Token': sim.info.token } });
    expect(res.status).toBe(200);
  });

  it('answers the control methods over IPC: knobs, request log, state, reset', async () => {
    await sim.configure({ latencyMs: 7 });
    expect((await sim.knobs()).latencyMs).toBe(7);
    await sim.configure({ latencyMs: 0 });
    await fetch(`${sim.url}/api/v3/onezone/user`, { headers: { 'X-Auth-Token': sim.info.token } });
    const log = await sim.requests();
    expect(log.at(-1)).toMatchObject({ method: 'GET', path: '/api/v3/onezone/user', status: 200 });
    expect(await sim.state()).toHaveProperty('counts');
    await sim.reset();
    expect(await sim.requests()).toEqual([]);
  });

  it('passes a refused knob back as an error', async () => {
    await expect(sim.configure({ latencyMs: -1 })).rejects.toThrow(/latencyMs/);
  });

  it('ends its process on close, and never puts the token on its command line', async () => {
    const token = 'sim-process-test-token-0123456789';
    const other = await startOnedataSimProcess({ token });
    expect(other.info.token).toBe(token);
    expect(readFileSync(`/proc/${other.pid}/cmdline`, 'utf8')).not.toContain(token);
    expect(() => process.kill(other.pid, 0)).not.toThrow();
    await other.close();
    expect(() => process.kill(other.pid, 0)).toThrow();
  });
});
