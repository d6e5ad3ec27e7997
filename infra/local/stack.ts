import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { s3ClientFor } from '../../shared/aws/clients.ts';
import { SQSClient } from '@aws-sdk/client-sqs';
import { dump as dumpYaml } from 'js-yaml';
import { setupRgwNotifications } from '../notifications/rgw.ts';
import { createLogger, registerSecret, type Logger } from '../../shared/log/index.ts';
import { resetRuntime } from '../../shared/runtime/index.ts';
import { FunctionHost } from './runner/function-host.ts';
import { startSchedules } from './runner/schedules.ts';
import { startHttpGateway, type HttpGateway } from './runner/http-gateway.ts';
import { readServerlessFile, type ServerlessDefinition } from './runner/serverless-file.ts';
import { SqsEventSourceMapping } from './runner/sqs-event-source.ts';
import { startLocalSqs, type LocalSqs } from './runner/sqs-server.ts';
import type { RunningSim, SimKnobs } from './onedata-sim/index.ts';
import { startOnedataSimProcess, type SimProcess } from './onedata-sim/process.ts';
import { startMailServer, type LocalMailServer } from './mail-server.ts';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const RGW_SCRIPT = join(PROJECT_ROOT, 'infra/local/rgw/rgw.sh');

/** What `.local/stack.json` holds: everything a client or test needs to reach the stack. */
export interface StackInfo {
  s3Endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  sqsEndpoint: string;
  queues: Record<string, string>;
  functionsUrl: string;
  onedataUrl: string;
  onedataToken: string;
  webhookToken: string;
  /** Bearer token of the runner's job endpoints (POST /function/<queue-fed>, the Invoke API). */
  jobsToken: string;
  configPath: string;
  sim: { managerGroupId: string; userGroupId: string; serviceUserId: string; providerIds: string[] };
  /** The local SMTP server (plain, 127.0.0.1) and the folder where each message it accepts lands as an `.eml` file. */
  smtpPort: number;
  mailDir: string;
  /** Environment the functions run with (secrets included: the file is git-ignored and local). */
  functionEnv: Record<string, string>;
}

export interface StackOptions {
  /** 0 = pick a free port (tests); npm start uses fixed, documented ports. */
  rgwPort: number;
  rgwMonPort: number;
  sqsPort: number;
  functionsPort: number;
  onedataPort: number;
  smtpPort: number;
  bucket: string;
  /** Where the generated config, stack.json and RGW state go. */
  stateDir: string;
  /** Overrides merged into the generated s3od config (e.g. storageMode: posix). */
  configOverrides: Record<string, unknown>;
  simKnobs: Partial<SimKnobs>;
  /** Batches each SQS-triggered function processes at once. */
  eventSourceConcurrency: number;
  /** Cap on queue visibility timeouts locally, so crashed jobs come back in seconds. */
  maxVisibilityTimeout: number;
  persistentTopic: boolean;
  /** Run serverless.yml's schedules (reconcile, lifecycle) on timers; tests run them on demand instead. */
  schedules: boolean;
  /** Secrets to use instead of generated ones (tests use recognisable values to search logs for). */
  secrets?: { s3SecretKey?: string; onedataToken?: string; webhookToken?: string; jobsToken?: string };
  log: Logger;
}

export const DEFAULT_PORTS = { rgwPort: 7480, rgwMonPort: 3300, sqsPort: 4577, functionsPort: 8080, onedataPort: 9090, smtpPort: 2525 } as const;

export interface RunningStack {
  info: StackInfo;
  host: FunctionHost;
  /** The Onedata simulator, in a process of its own (its methods answer over IPC). */
  sim: SimProcess;
  sqs: LocalSqs;
  mail: LocalMailServer;
  mappings: Map<string, SqsEventSourceMapping>;
  /** Rewrites the functions' config with these overrides (on top of the stack's own); containers pick it up at once. */
  reconfigure(overrides: Record<string, unknown>): void;
  /** Kills and restarts radosgw (data and notification configuration survive): an S3 outage. */
  restartS3(): Promise<void>;
  /** The pids of this stack's Ceph daemons (monitor, OSD, radosgw), from rgw.sh's pid files. */
  cephPids(): number[];
  /** Takes the function endpoint down (connections dropped) or back up: lost notifications. */
  setFunctionsAvailable(available: boolean): void;
  /** Stop (or restart) the SQS event sources, e.g. to let a queue fill up. */
  pauseEventSources(): Promise<void>;
  resumeEventSources(): void;
  stop(): Promise<void>;
}

/** The pids in a directory's `*.pid` files (a daemon restarted since is read afresh). */
function pidsIn(dir: string): number[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.pid'))
      .map((f) => Number(readFileSync(join(dir, f), 'utf8').trim()))
      .filter((pid) => Number.isInteger(pid) && pid > 0);
  } catch {
    return [];
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolveCheck) => {
    const s = createServer();
    s.once('error', () => resolveCheck(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolveCheck(true)));
  });
}

/** Whether 127.0.0.1:`port` accepts a connection (within 500 ms). */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolveCheck) => {
    const sock = connect({ port, host: '127.0.0.1' });
    sock.setTimeout(500);
    sock.once('connect', () => {
      sock.destroy();
      resolveCheck(true);
    });
    sock.once('error', () => resolveCheck(false));
    sock.once('timeout', () => {
      sock.destroy();
      resolveCheck(false);
    });
  });
}

/** Refuses clearly, before anything starts, when a fixed port is taken (e.g. a second npm start). */
export async function assertPortsFree(ports: { name: string; port: number }[]): Promise<void> {
  const taken: string[] = [];
  await Promise.all(
    ports
      .filter((p) => p.port !== 0)
      .map((p) =>
        (async () => {
          // Both probes: radosgw binds with SO_REUSEPORT, so only a connect finds it.
          if ((await canConnect(p.port)) || !(await canListen(p.port))) taken.push(`127.0.0.1:${p.port} (${p.name})`);
        })(),
      ),
  );
  if (taken.length) throw new Error(`ports already in use: ${taken.sort().join(', ')}`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolvePort(port));
    });
  });
}

async function portOrFree(p: number): Promise<number> {
  return p === 0 ? freePort() : p;
}

function runRgw(action: 'start' | 'stop' | 'restart-gateway', env: NodeJS.ProcessEnv, log: Logger): Promise<string> {
  return new Promise((resolveRun, reject) => {
    const child = spawn('bash', [RGW_SCRIPT, action], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => {
      err += d;
      for (const line of String(d).split('\n')) if (line.trim()) log.debug(line.trim(), { component: 'rgw' });
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolveRun(out) : reject(new Error(`Ceph RGW ${action} failed (exit ${code}):\n${err.trim()}`))));
  });
}

/** The s3od configuration the local stack runs with (written to <stateDir>/s3od.yml). */
export function localConfig(
  opts: { bucket: string; s3Endpoint: string; onedataUrl: string; sim: RunningSim['info']; smtpPort?: number },
  overrides: Record<string, unknown>,
): Record<string, unknown> {
  const base: Record<string, unknown> = {
    bucket: opts.bucket,
    watchedDirectories: ['datasets'],
    metadataFiles: ['SPA.yml'],
    institutionName: 'Local Facility (s3od local stack)',
    managerGroupId: opts.sim.managerGroupId,
    userGroupId: opts.sim.userGroupId,
    serviceUserId: opts.sim.serviceUserId,
    storageMode: 's3',
    s3Storage: { endpoint: opts.s3Endpoint },
    posixStorage: { mountRoot: '/volumes/facility' },
    // A primary and two secondaries, each secondary with its storage for replicas (docs/lifecycle.md).
    restAccess: {
      onezone: { host: opts.onedataUrl },
      oneproviders: opts.sim.providers.map((p, i) =>
        i === 0 ? { host: p.url, isPrimary: true } : { host: p.url, storageIds: p.replicaStorageId ? [p.replicaStorageId] : [] },
      ),
    },
    // Every dataset gets a second copy on a secondary provider, so that `npm run demo` shows it.
    dataReplication: { enabled: opts.sim.providers.length > 1, numberOfReplicas: Math.min(2, opts.sim.providers.length) },
    // The simulator's propagation delay is a fraction of a second: poll at least every 50 ms.
    onedata: { providerWaitSeconds: 60, providerPollMaxMs: 50 },
    import: { coalesceWindowSeconds: 1 },
    provisioning: { leaseSeconds: 20 },
    // Mail goes to the stack's own SMTP server (plain on 127.0.0.1): .local/mail/*.eml.
    ...(opts.smtpPort
      ? {
          messaging: {
            credentials: {
              email: {
                enabled: true,
                smtpServer: '127.0.0.1',
                smtpPort: opts.smtpPort,
                encryptionMethod: 'ANY',
                messageSender: 's3od local stack <s3od@localhost>',
              },
            },
          },
        }
      : {}),
  };
  return deepMerge(base, overrides);
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur)
        ? deepMerge(cur as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** What the stack's parts stop with, in reverse order of starting; a failed step is logged and the rest still run. */
class Cleanups {
  private readonly steps: (() => Promise<unknown>)[] = [];
  constructor(private readonly log: Logger) {}
  push(step: () => Promise<unknown>): void {
    this.steps.push(step);
  }
  async runAll(): Promise<void> {
    for (const c of this.steps.reverse()) await c().catch((e) => this.log.warn('stop step failed', { error: e }));
    this.steps.length = 0;
  }
}

function withDefaults(partial: Partial<StackOptions>): StackOptions {
  return {
    ...DEFAULT_PORTS,
    bucket: 'facility',
    stateDir: join(PROJECT_ROOT, '.local'),
    configOverrides: {},
    simKnobs: {},
    eventSourceConcurrency: 4,
    maxVisibilityTimeout: 30,
    persistentTopic: false,
    schedules: true,
    log: createLogger({ app: 's3od-local' }),
    ...partial,
  };
}

/** The fixed ports checked free (refused clearly otherwise), the 0s replaced by free ports. */
async function allocatePorts(o: StackOptions): Promise<Record<'rgwPort' | 'rgwMonPort' | 'sqsPort' | 'functionsPort' | 'onedataPort' | 'smtpPort', number>> {
  await assertPortsFree([
    { name: 'S3 (Ceph RGW)', port: o.rgwPort },
    { name: 'Ceph monitor', port: o.rgwMonPort },
    { name: 'SQS', port: o.sqsPort },
    { name: 'functions', port: o.functionsPort },
    { name: 'Onedata simulator', port: o.onedataPort },
    { name: 'SMTP', port: o.smtpPort },
  ]);
  const [rgwPort, rgwMonPort, sqsPort, functionsPort, onedataPort, smtpPort] = await Promise.all(
    [o.rgwPort, o.rgwMonPort, o.sqsPort, o.functionsPort, o.onedataPort, o.smtpPort].map(portOrFree),
  );
  return { rgwPort: rgwPort!, rgwMonPort: rgwMonPort!, sqsPort: sqsPort!, functionsPort: functionsPort!, onedataPort: onedataPort!, smtpPort: smtpPort! };
}

/** The stack's credentials and endpoint tokens: given (tests search logs for them) or generated; all registered for redaction. */
function stackSecrets(o: StackOptions): { accessKeyId: string; secretAccessKey: string; webhookToken: string; jobsToken: string } {
  const secrets = {
    accessKeyId: 'S3ODLOCALACCESSKEY',
    secretAccessKey: o.secrets?.s3SecretKey ?? `s3od-local-${randomBytes(12).toString('hex')}`,
    webhookToken: o.secrets?.webhookToken ?? `whk-${randomBytes(16).toString('hex')}`,
    jobsToken: o.secrets?.jobsToken ?? `jobs-${randomBytes(16).toString('hex')}`,
  };
  registerSecret(secrets.secretAccessKey);
  registerSecret(secrets.webhookToken);
  registerSecret(secrets.jobsToken);
  return secrets;
}

/**
 * Starts the independent parts at once: Ceph RGW, the SQS emulator, the Onedata simulator and the
 * function runner's HTTP gateway. Every part that started is registered for stopping, even when
 * another part failed.
 */
async function startParts(
  o: StackOptions,
  ports: Awaited<ReturnType<typeof allocatePorts>>,
  definition: ServerlessDefinition,
  host: FunctionHost,
  jobsToken: string,
  rgwEnv: NodeJS.ProcessEnv,
  cleanups: Cleanups,
): Promise<{ sqs: LocalSqs; sim: SimProcess; gateway: HttpGateway; mail: LocalMailServer }> {
  const stopWith =
    <T>(close: (part: T) => Promise<unknown>) =>
    (part: T): T => {
      cleanups.push(() => close(part));
      return part;
    };
  const started = await Promise.allSettled([
    startLocalSqs({ port: ports.sqsPort, queues: definition.queues, maxVisibilityTimeout: o.maxVisibilityTimeout }).then(stopWith((s: LocalSqs) => s.close())),
    startOnedataSimProcess({
      port: ports.onedataPort,
      providers: 3,
      replicaStorages: true,
      ...o.simKnobs,
      ...(o.secrets?.onedataToken ? { token: o.secrets.onedataToken } : {}),
    }).then(stopWith((s: SimProcess) => s.close())),
    startHttpGateway(host, o.log, ports.functionsPort, { token: jobsToken, allowUnauthenticated: false }).then(stopWith((g: HttpGateway) => g.close())),
    runRgw('start', rgwEnv, o.log).then(stopWith(() => runRgw('stop', rgwEnv, o.log))),
    startMailServer({ port: ports.smtpPort, mailDir: join(o.stateDir, 'mail') }).then(stopWith((m: LocalMailServer) => m.close())),
  ]);
  // Wait for every part before judging, so a failure never leaves a part running unrecorded.
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  const [sqs, sim, gateway, , mail] = started.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
    LocalSqs,
    SimProcess,
    HttpGateway,
    unknown,
    LocalMailServer,
  ];
  return { sqs, sim, gateway, mail };
}

/**
 * What the functions see: provider.environment from serverless.yml with its CloudFormation
 * references resolved to the local queues, plus the local endpoints and secrets.
 */
function functionEnvironment(
  definition: ServerlessDefinition,
  sqs: LocalSqs,
  values: { configPath: string; s3Endpoint: string; region: string; onedataToken: string } & ReturnType<typeof stackSecrets>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(definition.environment)) {
    const ref = (v as { Ref?: string })?.Ref;
    if (typeof v === 'string') env[k] = v;
    else if (ref) env[k] = sqs.queueUrl(ref);
  }
  Object.assign(env, {
    S3OD_CONFIG: values.configPath,
    S3OD_S3_ENDPOINT: values.s3Endpoint,
    S3OD_SQS_ENDPOINT: sqs.endpoint,
    AWS_REGION: values.region,
    AWS_ACCESS_KEY_ID: values.accessKeyId,
    AWS_SECRET_ACCESS_KEY: values.secretAccessKey,
    S3OD_ONEZONE_TOKEN: values.onedataToken,
    S3OD_STORAGE_ACCESS_KEY: values.accessKeyId,
    S3OD_STORAGE_SECRET_KEY: values.secretAccessKey,
    S3OD_WEBHOOK_TOKEN: values.webhookToken,
    S3OD_JOBS_TOKEN: values.jobsToken,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  delete env.NODE_OPTIONS;
  return env;
}

/** The facility bucket, with its notifications pushed to on-object-event through an RGW topic. */
async function createWatchedBucket(
  o: StackOptions,
  s3Endpoint: string,
  region: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
  gatewayUrl: string,
  webhookToken: string,
): Promise<void> {
  const s3 = s3ClientFor({ endpoint: s3Endpoint, region, credentials });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: o.bucket }));
    await setupRgwNotifications(s3, {
      endpoint: s3Endpoint,
      region,
      credentials,
      bucket: o.bucket,
      topicName: 's3od-events',
      pushEndpoint: `${gatewayUrl}/function/on-object-event`,
      webhookToken,
      persistent: o.persistentTopic,
    });
  } finally {
    s3.destroy();
  }
}

/** serverless.yml's SQS triggers as running event-source mappings, with pause and resume. */
function startEventSources(
  o: StackOptions,
  definition: ServerlessDefinition,
  host: FunctionHost,
  sqs: LocalSqs,
  sqsClient: SQSClient,
  region: string,
): { mappings: Map<string, SqsEventSourceMapping>; pause: () => Promise<void>; resume: () => void } {
  const mappings = new Map<string, SqsEventSourceMapping>();
  for (const fn of definition.functions) {
    for (const t of fn.triggers) {
      if (t.type !== 'sqs') continue;
      const m = new SqsEventSourceMapping(
        sqsClient,
        host,
        {
          functionName: fn.name,
          queueUrl: sqs.queueUrl(t.queueLogicalId),
          queueArn: sqs.queueArn(t.queueLogicalId),
          region,
          batchSize: t.batchSize,
          reportBatchItemFailures: t.reportBatchItemFailures,
          concurrency: o.eventSourceConcurrency,
        },
        o.log,
      );
      mappings.set(`${fn.name}:${t.queueLogicalId}`, m);
    }
  }
  const resume = () => mappings.forEach((m) => m.start());
  const pause = async () => {
    await Promise.all([...mappings.values()].map((m) => m.stop()));
  };
  resume();
  return { mappings, pause, resume };
}

/**
 * Starts the whole local stack: Ceph RGW (real S3 + notifications), the SQS emulator with the
 * queues of serverless.yml, the Onedata simulator, and the function runner (HTTP gateway + SQS
 * event sources) running serverless.yml's functions in this process. Independent parts start in
 * parallel; on any failure everything already started is stopped again.
 */
export async function startStack(partial: Partial<StackOptions> = {}): Promise<RunningStack> {
  const o = withDefaults(partial);
  mkdirSync(o.stateDir, { recursive: true });
  const ports = await allocatePorts(o);
  const definition = readServerlessFile(join(PROJECT_ROOT, 'serverless.yml'), 'local');
  const host = new FunctionHost(definition, PROJECT_ROOT);
  const secrets = stackSecrets(o);
  const rgwEnv = {
    ...process.env,
    RGW_DIR: `/tmp/s3od-rgw-${ports.rgwPort}`,
    RGW_PORT: String(ports.rgwPort),
    RGW_MON_PORT: String(ports.rgwMonPort),
    RGW_ACCESS_KEY: secrets.accessKeyId,
    RGW_SECRET_KEY: secrets.secretAccessKey,
    RGW_OWNER_PID: String(process.pid),
  };
  const cleanups = new Cleanups(o.log);
  try {
    const { sqs, sim, gateway, mail } = await startParts(o, ports, definition, host, secrets.jobsToken, rgwEnv, cleanups);
    const s3Endpoint = `http://127.0.0.1:${ports.rgwPort}`;
    const region = 'us-east-1';
    registerSecret(sim.info.token);

    const configPath = join(o.stateDir, 's3od.yml');
    const writeConfig = (overrides: Record<string, unknown>) => {
      const config = localConfig(
        { bucket: o.bucket, s3Endpoint, onedataUrl: sim.url, sim: sim.info, smtpPort: mail.port },
        deepMerge(o.configOverrides, overrides),
      );
      writeFileSync(configPath, '# Generated by the local stack (infra/local/stack.ts) on every start.\n' + dumpYaml(config));
      resetRuntime();
    };
    writeConfig({});
    const functionEnv = functionEnvironment(definition, sqs, { configPath, s3Endpoint, region, onedataToken: sim.info.token, ...secrets });
    Object.assign(process.env, functionEnv);
    resetRuntime();

    const credentials = { accessKeyId: secrets.accessKeyId, secretAccessKey: secrets.secretAccessKey };
    await createWatchedBucket(o, s3Endpoint, region, credentials, gateway.url, secrets.webhookToken);
    const sqsClient = new SQSClient({ endpoint: sqs.endpoint, region, credentials });
    cleanups.push(async () => sqsClient.destroy());
    const { mappings, pause, resume } = startEventSources(o, definition, host, sqs, sqsClient, region);
    cleanups.push(pause);
    if (o.schedules) cleanups.push(startSchedules(definition, host, o.log));

    const info: StackInfo = {
      s3Endpoint,
      region,
      ...credentials,
      bucket: o.bucket,
      sqsEndpoint: sqs.endpoint,
      queues: Object.fromEntries(definition.queues.map((q) => [q.logicalId, sqs.queueUrl(q.logicalId)])),
      functionsUrl: gateway.url,
      onedataUrl: sim.url,
      onedataToken: sim.info.token,
      webhookToken: secrets.webhookToken,
      jobsToken: secrets.jobsToken,
      configPath,
      sim: {
        managerGroupId: sim.info.managerGroupId,
        userGroupId: sim.info.userGroupId,
        serviceUserId: sim.info.serviceUserId,
        providerIds: sim.info.providerIds,
      },
      smtpPort: mail.port,
      mailDir: mail.mailDir,
      functionEnv,
    };
    writeFileSync(join(o.stateDir, 'stack.json'), JSON.stringify(info, null, 2) + '\n', { mode: 0o600 });
    return {
      info,
      host,
      sim,
      sqs,
      mail,
      mappings,
      reconfigure: writeConfig,
      setFunctionsAvailable: gateway.setAvailable,
      restartS3: async () => void (await runRgw('restart-gateway', rgwEnv, o.log)),
      cephPids: () => pidsIn(join(rgwEnv.RGW_DIR, 'run')),
      pauseEventSources: pause,
      resumeEventSources: resume,
      stop: () => cleanups.runAll(),
    };
  } catch (e) {
    await cleanups.runAll();
    throw e;
  }
}
