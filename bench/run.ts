/**
 * `npm run bench [-- --quick] [-- --only NAME[,NAME]] [-- --verbose]`
 *
 * Starts one local stack (Ceph RGW, local SQS, the Onedata simulator at L = 25 ms and P = 300 ms,
 * the function runner), runs the figures, prints exactly one JSON line per figure on stdout
 * (`{"name","value","unit","baseline","ratio",...}`) and progress on stderr, and stops everything
 * at the end, on error and on SIGINT/SIGTERM. See docs/benchmarks.md.
 *
 * Figure groups for --only: provision-latency (also provision-sequential), import (import-s3,
 * import-posix), burst, fan-in (fan-in-rgw, fan-in-batch10, fan-in-sqs10), cold-start.
 */
import { cpus, totalmem } from 'node:os';
import { burst } from './burst.ts';
import { coldStart, killChildren } from './cold-start.ts';
import { fanIn } from './fan-in.ts';
import { importFigures } from './import.ts';
import { load1, progress, startBenchContext, type BenchContext, type Figure } from './lib/context.ts';
import { provisionLatency } from './provision-latency.ts';
import { metadataWorstCase } from './metadata-worst-case.ts';

// stdout carries the JSON lines only: anything else that writes to stdout goes to stderr.
const writeStdout = process.stdout.write.bind(process.stdout);
process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
// A reader that goes away (`| head -1`) must not kill the run before the stack is stopped.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

const GROUPS: { name: string; run: (ctx: BenchContext) => Promise<Figure | Figure[]> }[] = [
  { name: 'provision-latency', run: provisionLatency },
  { name: 'import', run: importFigures },
  { name: 'burst', run: burst },
  { name: 'fan-in', run: fanIn },
  { name: 'cold-start', run: coldStart },
  { name: 'metadata-worst-case', run: metadataWorstCase },
];

function parseArgs(argv: string[]): { quick: boolean; verbose: boolean; only?: Set<string> } {
  let quick = false;
  let verbose = false;
  let only: Set<string> | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') quick = true;
    else if (a === '--verbose') verbose = true;
    else if (a === '--only' || a.startsWith('--only=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (!v) throw new Error('--only needs a name');
      only = new Set(
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      );
    } else if (a === '--help' || a === '-h') {
      process.stderr.write(`usage: npm run bench -- [--quick] [--only ${GROUPS.map((g) => g.name).join('|')}[,...]] [--verbose]\n`);
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (only) {
    // A figure's own name selects its group (e.g. --only import-s3 runs the import group).
    const known = new Map<string, string>([
      ['provision-sequential', 'provision-latency'],
      ['import-s3', 'import'],
      ['import-posix', 'import'],
      ['fan-in-rgw', 'fan-in'],
      ['fan-in-batch10', 'fan-in'],
      ['fan-in-sqs10', 'fan-in'],
    ]);
    only = new Set([...only].map((n) => known.get(n) ?? (n.startsWith('cold-start') ? 'cold-start' : n)));
    const unknown = [...only].filter((n) => !GROUPS.some((g) => g.name === n));
    if (unknown.length) throw new Error(`unknown figure ${unknown.join(', ')}; known: ${GROUPS.map((g) => g.name).join(', ')}`);
  }
  return { quick, verbose, ...(only ? { only } : {}) };
}

async function main(): Promise<number> {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    progress((e as Error).message);
    return 2;
  }
  const t0 = Date.now();
  progress(
    `s3od bench${args.quick ? ' (quick)' : ''}: ${cpus().length} CPUs, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}, load ${load1()}`,
  );
  const { ctx, stop } = await startBenchContext(args);
  progress(
    `stack up in ${Date.now() - t0} ms (S3 ${ctx.info.s3Endpoint}, SQS ${ctx.info.sqsEndpoint}, Onedata ${ctx.info.onedataUrl}); Onedata concurrency ${ctx.onedataConcurrency}, registration concurrency ${ctx.registrationConcurrency}`,
  );
  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> =>
    (stopping ??= (async () => {
      killChildren();
      await stop().catch((e) => progress(`stop failed: ${(e as Error).message}`));
    })());
  process.on('uncaughtException', (e) => {
    progress(`uncaught: ${e.stack ?? e}`);
    void shutdown().finally(() => process.exit(1));
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      progress(`${sig}: stopping the stack`);
      void shutdown().finally(() => process.exit(130));
    });
  }
  let failed = 0;
  try {
    for (const g of GROUPS) {
      if (args.only && !args.only.has(g.name)) continue;
      const tg = Date.now();
      try {
        const out = await g.run(ctx);
        for (const f of Array.isArray(out) ? out : [out]) writeStdout(JSON.stringify(f) + '\n');
        progress(`${g.name} done in ${((Date.now() - tg) / 1000).toFixed(1)} s`);
      } catch (e) {
        failed++;
        progress(`${g.name} FAILED: ${(e as Error).stack ?? e}`);
        if (ctx.logs.errorSamples.length) progress(`function errors seen: ${ctx.logs.errorSamples.join('\n')}`);
        // The stack may be in any state now: let it settle before the next figure.
        await ctx.waitIdle(60_000).catch(() => undefined);
      }
    }
  } finally {
    await shutdown();
  }
  progress(`total ${((Date.now() - t0) / 1000).toFixed(1)} s${failed ? `, ${failed} figure group(s) failed` : ''}`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    progress(`bench failed: ${(e as Error).stack ?? e}`);
    killChildren();
    process.exit(1);
  },
);
