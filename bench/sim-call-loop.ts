/**
 * What the local set-up costs per Onedata call, without s3od: 8 workers call the simulator
 * (L = 25 ms) in a loop, 400 calls in all, so the bound is 400 × L / 8 = 1,250 ms. Three set-ups:
 * the simulator in this process with axios (as the stack and `npm run bench` run it), the same with
 * plain node:http, and the simulator in a process of its own (as the local stack runs it) with axios. Prints one JSON line per
 * set-up and repetition; `boundOverWall` is comparable with import-s3's ratio (higher is better, ≤ 1).
 *
 * `npx tsx bench/sim-call-loop.ts` (about 15 s; needs no stack). See docs/benchmarks.md, import-s3.
 */
import http from 'node:http';
import { startOnedataSim } from '../infra/local/onedata-sim/index.ts';
import { startOnedataSimProcess } from '../infra/local/onedata-sim/process.ts';
import { jsonApiAxios } from '../shared/http/json-api-axios.ts';

const L = 25;
const WORKERS = 8;
const CALLS = 400;
const REPS = 2;
const PATH = '/api/v3/oneprovider/spaces/no-such-space';

type Call = () => Promise<unknown>;

async function loop(call: Call): Promise<number> {
  let started = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (started++ < CALLS) await call();
    }),
  );
  return performance.now() - t0;
}

function report(setup: string, wallMs: number): void {
  const bound = (CALLS * L) / WORKERS;
  process.stdout.write(JSON.stringify({ setup, wallMs: Math.round(wallMs), boundMs: bound, boundOverWall: Math.round((bound / wallMs) * 100) / 100 }) + '\n');
}

function viaAxios(url: string, token: string): Call {
  const ax = jsonApiAxios({ baseURL: url, timeoutMs: 30_000 });
  return () => ax.request({ method: 'GET', url: PATH, headers: { 'X-Auth-Token': token } });
}

function viaNodeHttp(url: string, token: string): Call {
  const agent = new http.Agent({ keepAlive: true });
  return () =>
    new Promise<void>((resolve, reject) => {
      const req = http.request(url + PATH, { agent, headers: { 'X-Auth-Token': token } }, (res) => res.resume().on('end', resolve));
      req.on('error', reject);
      req.end();
    });
}

async function inProcess(): Promise<void> {
  const sim = await startOnedataSim({ latencyMs: L });
  try {
    for (let r = 0; r < REPS; r++) report('simulator in this process, axios', await loop(viaAxios(sim.url, sim.info.token)));
    for (let r = 0; r < REPS; r++) report('simulator in this process, node:http', await loop(viaNodeHttp(sim.url, sim.info.token)));
  } finally {
    await sim.close();
  }
}

async function ownProcess(): Promise<void> {
  const sim = await startOnedataSimProcess({ latencyMs: L });
  try {
    for (let r = 0; r < REPS; r++) report('simulator in its own process, axios', await loop(viaAxios(sim.url, sim.info.token)));
  } finally {
    await sim.close();
  }
}

await inProcess();
await ownProcess();
