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
