/**
 * `npm start`: the local stack on fixed ports (see README). Prints one line starting with READY
 * when everything accepts requests, writes .local/stack.json, and stops everything it started on
 * SIGINT/SIGTERM. `npm run demo` (or `npm start -- --demo`) also uploads a sample dataset and
 * shows it being provisioned.
 *
 * Log lines print for a person (infra/local/human-log.ts): one line per event, metric lines
 * hidden. `--metrics` shows the metric lines too; `--json-logs` prints the JSON lines deployed
 * functions write.
 */
import { join } from 'node:path';
import { createLogger, setLogLevel, setLogSink } from '../../shared/log/index.ts';
import { humanLogSink } from './human-log.ts';
import { DEFAULT_PORTS, PROJECT_ROOT, startStack, type RunningStack } from './stack.ts';
import { runDemo } from './demo.ts';

const args = process.argv.slice(2);
const PORT_FLAGS = ['rgw-port', 'rgw-mon-port', 'sqs-port', 'functions-port', 'onedata-port', 'smtp-port'];
const SWITCHES = ['--demo', '--exit', '--metrics', '--json-logs', '--verbose'];
const USAGE = `usage: npm start -- [--demo [--exit]] [--metrics] [--json-logs] [--verbose] [--<name>-port N ...]

Starts the local stack (Ceph RGW, SQS, the functions, the Onedata simulator, an SMTP sink) on
127.0.0.1, prints a line starting with READY, writes .local/stack.json, and stops on Ctrl-C.
  --demo         also upload a sample dataset and show it being provisioned (npm run demo)
  --exit         with --demo: stop once the demo is done
  --metrics      show the metric log lines too
  --json-logs    print the JSON log lines deployed functions write
  --verbose      debug log lines
  ${PORT_FLAGS.map((f) => `--${f}`).join(', ')} N
                 ports (also S3OD_LOCAL_<NAME>_PORT); defaults in README.md`;
if (args.includes('--help') || args.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}
// A mistyped option must not start the stack on other ports than asked for.
for (let i = 0; i < args.length; i++) {
  if (SWITCHES.includes(args[i]!)) continue;
  if (PORT_FLAGS.includes(args[i]!.replace(/^--/, '')) && args[i]!.startsWith('--')) {
    i++;
    continue;
  }
  console.error(`unknown option ${args[i]}\n\n${USAGE}`);
  process.exit(2);
}
const demo = args.includes('--demo');
const portArg = (name: string, def: number): number => {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : Number(process.env[`S3OD_LOCAL_${name.toUpperCase().replace(/-/g, '_')}`] ?? def);
  if (!Number.isInteger(v) || v < 0 || v > 65535) {
    console.error(`--${name} must be a port number`);
    process.exit(2);
  }
  return v;
};
if (args.includes('--verbose')) setLogLevel('debug');
if (!args.includes('--json-logs')) setLogSink(humanLogSink({ showMetrics: args.includes('--metrics') }));
const log = createLogger({ app: 's3od-local' });

const t0 = Date.now();
let stack: RunningStack | undefined;
let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  console.error('stopping the local stack ...');
  await stack?.stop();
  process.exit(code);
};
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

try {
  stack = await startStack({
    rgwPort: portArg('rgw-port', DEFAULT_PORTS.rgwPort),
    rgwMonPort: portArg('rgw-mon-port', DEFAULT_PORTS.rgwMonPort),
    sqsPort: portArg('sqs-port', DEFAULT_PORTS.sqsPort),
    functionsPort: portArg('functions-port', DEFAULT_PORTS.functionsPort),
    onedataPort: portArg('onedata-port', DEFAULT_PORTS.onedataPort),
    smtpPort: portArg('smtp-port', DEFAULT_PORTS.smtpPort),
    simKnobs: { latencyMs: Number(process.env.ONEDATA_SIM_LATENCY_MS ?? 25), propagationDelayMs: Number(process.env.ONEDATA_SIM_PROPAGATION_DELAY_MS ?? 300) },
    log,
  });
} catch (e) {
  const msg = (e as Error).message;
  if (/EADDRINUSE|already in use/.test(msg))
    console.error(
      `A port of the local stack is taken: ${msg}\nStop what uses it, or choose ports with --rgw-port, --rgw-mon-port, --sqs-port, --functions-port, --onedata-port, --smtp-port.`,
    );
  else console.error(`The local stack did not start: ${msg}`);
  process.exit(1);
}
const i = stack.info;
console.log(
  `READY in ${Date.now() - t0} ms  s3=${i.s3Endpoint} bucket=${i.bucket} sqs=${i.sqsEndpoint} functions=${i.functionsUrl} onedata=${i.onedataUrl} smtp=127.0.0.1:${i.smtpPort} mail=${i.mailDir} info=${join(PROJECT_ROOT, '.local/stack.json')}`,
);
if (demo) {
  try {
    await runDemo(i);
  } catch (e) {
    console.error(`demo failed: ${(e as Error).message}`);
    await stop(1);
  }
  if (args.includes('--exit')) await stop(0);
}
