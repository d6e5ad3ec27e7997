/**
 * Figure — peak memory of the worst metadata file the default bounds allow, against the 256 MB a
 * function has (`better: "lower"`, ratio = peak / 256 MB).
 *
 * Each case is a fresh `node` process (bench/lib/metadata-pipeline-child.ts, bundled the way the
 * functions are) that loads the provision function's code and takes one file through parse →
 * write-back → JSON metadata → share description; its VmHWM is the figure. Cases: every shape of
 * bench/lib/metadata-shapes.ts twice — as large as the byte limit allows (refused by the node bound:
 * the cost is the parser's event list, built before any bound can be checked) and with as many nodes
 * as the node bound allows (accepted: the whole pipeline runs). `baselineRssMB` is the same process
 * with a trivial file. Needs no stack; also runs alone: `npx tsx bench/metadata-worst-case.ts`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { PROJECT_ROOT } from '../infra/local/stack.ts';
import { DEFAULT_LIMITS } from '../shared/metadata/index.ts';
import { load1, progress, type Figure } from './lib/context.ts';
import { SHAPES, fit, fitNodes } from './lib/metadata-shapes.ts';

export const FUNCTION_MEMORY_MB = 256;

interface CaseResult {
  case: string;
  bytes: number;
  nodes: number | null;
  outcome: string;
  peakMB: number;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

function runChild(bundle: string, args: string[]): Promise<{ bytes: number; outcome: string; peakKB: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, S3OD_LOG_LEVEL: 'error' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      if (code !== 0 || !line) return reject(new Error(`metadata child ${args.join(' ')} exited ${code}: ${err.slice(-1500)}`));
      resolve(JSON.parse(line.slice('BENCH_RESULT '.length)) as { bytes: number; outcome: string; peakKB: number });
    });
  });
}

export async function metadataWorstCase(): Promise<Figure> {
  const load = [load1()];
  const dir = mkdtempSync(join(tmpdir(), 's3od-bench-metadata-'));
  try {
    const bundle = join(dir, 'child.mjs');
    await build({
      entryPoints: [join(PROJECT_ROOT, 'bench/lib/metadata-pipeline-child.ts')],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      mainFields: ['module', 'main'],
      minify: true,
      logLevel: 'error',
      banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
    });
    const trivial: number[] = [];
    for (let i = 0; i < 3; i++) trivial.push((await runChild(bundle, ['trivial'])).peakKB / 1024);
    const baselineRssMB = round1(Math.max(...trivial));
    progress(`metadata-worst-case: trivial file ${baselineRssMB} MB`);
    const cases: CaseResult[] = [];
    for (const shape of SHAPES) {
      const bySize = fit(shape, DEFAULT_LIMITS.maxBytes);
      const byNodes = Math.min(bySize, fitNodes(shape, DEFAULT_LIMITS.maxNodes));
      for (const [label, units] of [
        ['largest file', bySize],
        ['most nodes', byNodes],
      ] as const) {
        const r = await runChild(bundle, [shape.name, String(units)]);
        cases.push({ case: `${shape.name} (${label})`, bytes: r.bytes, nodes: shape.nodes(units), outcome: r.outcome, peakMB: round1(r.peakKB / 1024) });
        progress(`metadata-worst-case: ${cases.at(-1)!.case}: ${r.bytes} B, ${shape.nodes(units)} nodes → ${r.outcome}, peak ${cases.at(-1)!.peakMB} MB`);
      }
    }
    const worst = cases.reduce((a, b) => (b.peakMB > a.peakMB ? b : a));
    load.push(load1());
    return {
      name: 'metadata-worst-case',
      value: worst.peakMB,
      unit: 'MB',
      baseline: FUNCTION_MEMORY_MB,
      ratio: Math.round((worst.peakMB / FUNCTION_MEMORY_MB) * 1000) / 1000,
      better: 'lower',
      meaning:
        "peak RSS (VmHWM) of a fresh process with the provision function's code taking the worst metadata file the default bounds allow through parse, write-back, JSON metadata and share description",
      baselineMeaning: 'the memory of one function (Lambda / OpenFaaS limit)',
      worstCase: worst.case,
      baselineRssMB,
      worstAboveBaselineMB: round1(worst.peakMB - baselineRssMB),
      limits: {
        maxBytes: DEFAULT_LIMITS.maxBytes,
        maxDepth: DEFAULT_LIMITS.maxDepth,
        maxNodes: DEFAULT_LIMITS.maxNodes,
        maxTotalScalarLength: DEFAULT_LIMITS.maxTotalScalarLength,
      },
      cases,
      load1: load,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  metadataWorstCase().then(
    (f) => process.stdout.write(`${JSON.stringify(f)}\n`),
    (e) => {
      process.stderr.write(`${(e as Error).stack ?? e}\n`);
      process.exit(1);
    },
  );
}
