import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
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
import { startHttpGateway, type HttpGateway } from './runner/http-gateway.ts';
import { readServerlessFile } from './runner/serverless-file.ts';
import { SqsEventSourceMapping } from './runner/sqs-event-source.ts';
import { startLocalSqs, type LocalSqs } from './runner/sqs-server.ts';
import { startOnedataSim, type RunningSim, type SimKnobs } from './onedata-sim/index.ts';

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
  /** Secrets to use instead of generated ones (tests use recognisable values to search logs for). */
  secrets?: { s3SecretKey?: string; onedataToken?: string; webhookToken?: string; jobsToken?: string };
  log: Logger;
}

export const DEFAULT_PORTS = { rgwPort: 7480, rgwMonPort: 3300, sqsPort: 4577, functionsPort: 8080, onedataPort: 9090 } as const;

export interface RunningStack {
  info: StackInfo;
  host: FunctionHost;
  sim: RunningSim;
  sqs: LocalSqs;
  mappings: Map<string, SqsEventSourceMapping>;
  /** Rewrites the functions' config with these overrides (on top of the stack's own); containers pick it up at once. */
  reconfigure(overrides: Record<string, unknown>): void;
  /** Kills and restarts radosgw (data and notification configuration survive): an S3 outage. */
  restartS3(): Promise<void>;
  /** Takes the function endpoint down (connections dropped) or back up: lost notifications. */
  setFunctionsAvailable(available: boolean): void;
  /** Stop (or restart) the SQS event sources, e.g. to let a queue fill up. */
  pauseEventSources(): Promise<void>;
  resumeEventSources(): void;
  stop(): Promise<void>;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolveCheck) => {
    const s = createServer();
    s.once('error', () => resolveCheck(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolveCheck(true)));
  });
}

function canConnect(port: number): Promise<boolean> {
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
      .map(
        (p) =>
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
export function localConfig(opts: { bucket: string; s3Endpoint: string; onedataUrl: string; sim: RunningSim['info'] }, overrides: Record<string, unknown>): Record<string, unknown> {
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
    restAccess: { onezone: { host: opts.onedataUrl }, oneproviders: [{ host: opts.sim.providers[0]?.url ?? opts.onedataUrl, isPrimary: true }] },
    // The simulator's propagation delay is a fraction of a second: poll at least every 50 ms.
    onedata: { providerWaitSeconds: 60, providerPollMaxMs: 50 },
    import: { coalesceWindowSeconds: 1 },
    provisioning: { leaseSeconds: 20 },
  };
  return deepMerge(base, overrides);
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur) ? deepMerge(cur as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

/**
 * Starts the whole local stack: Ceph RGW (real S3 + notifications), the SQS emulator with the
 * queues of serverless.yml, the Onedata simulator, and the function runner (HTTP gateway + SQS
 * event sources) running serverless.yml's functions in this process. Independent parts start in
 * parallel; on any failure everything already started is stopped again.
 */
export async function startStack(partial: Partial<StackOptions> = {}): Promise<RunningStack> {
  const o: StackOptions = {
    ...DEFAULT_PORTS,
    bucket: 'facility',
    stateDir: join(PROJECT_ROOT, '.local'),
    configOverrides: {},
    simKnobs: {},
    eventSourceConcurrency: 4,
    maxVisibilityTimeout: 30,
    persistentTopic: false,
    log: createLogger({ app: 's3od-local' }),
    ...partial,
  };
  const log = o.log;
  mkdirSync(o.stateDir, { recursive: true });
  await assertPortsFree([
    { name: 'S3 (Ceph RGW)', port: o.rgwPort },
    { name: 'Ceph monitor', port: o.rgwMonPort },
    { name: 'SQS', port: o.sqsPort },
    { name: 'functions', port: o.functionsPort },
    { name: 'Onedata simulator', port: o.onedataPort },
  ]);
  const [rgwPort, rgwMonPort, sqsPort, functionsPort, onedataPort] = await Promise.all(
    [o.rgwPort, o.rgwMonPort, o.sqsPort, o.functionsPort, o.onedataPort].map(portOrFree),
  );
  const definition = readServerlessFile(join(PROJECT_ROOT, 'serverless.yml'), 'local');
  const host = new FunctionHost(definition, PROJECT_ROOT);
  const accessKeyId = 'S3ODLOCALACCESSKEY';
  const secretAccessKey = o.secrets?.s3SecretKey ?? `s3od-local-${randomBytes(12).toString('hex')}`;
  const webhookToken = o.secrets?.webhookToken ?? `whk-${randomBytes(16).toString('hex')}`;
  registerSecret(secretAccessKey);
  const jobsToken = o.secrets?.jobsToken ?? `jobs-${randomBytes(16).toString('hex')}`;
  registerSecret(webhookToken);
  registerSecret(jobsToken);
  const rgwEnv = {
    ...process.env,
    RGW_DIR: `/tmp/s3od-rgw-${rgwPort}`,
    RGW_PORT: String(rgwPort),
    RGW_MON_PORT: String(rgwMonPort),
    RGW_ACCESS_KEY: accessKeyId,
    RGW_SECRET_KEY: secretAccessKey,
    RGW_OWNER_PID: String(process.pid),
  };

  const cleanups: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const c of cleanups.reverse()) await c().catch((e) => log.warn('stop step failed', { error: e }));
    cleanups.length = 0;
  };
  try {
    const rgwStarted = runRgw('start', rgwEnv, log).then((out) => {
      cleanups.push(() => runRgw('stop', rgwEnv, log));
      return out;
    });
    const started = await Promise.allSettled([
      startLocalSqs({ port: sqsPort, queues: definition.queues, maxVisibilityTimeout: o.maxVisibilityTimeout }).then((s) => {
        cleanups.push(() => s.close());
        return s;
      }),
      startOnedataSim({ port: onedataPort, ...o.simKnobs, ...(o.secrets?.onedataToken ? { token: o.secrets.onedataToken } : {}) }).then((s) => {
        cleanups.push(() => s.close());
        return s;
      }),
      startHttpGateway(host, log, functionsPort, { token: jobsToken, allowUnauthenticated: false }).then((g) => {
        cleanups.push(() => g.close());
        return g;
      }),
      rgwStarted,
    ]);
    // Wait for every part before judging, so a failure never leaves a part running unrecorded.
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const [sqs, sim, gateway] = started.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [LocalSqs, RunningSim, HttpGateway];
    const s3Endpoint = `http://127.0.0.1:${rgwPort}`;
    const region = 'us-east-1';
    registerSecret(sim.info.token);

    const configPath = join(o.stateDir, 's3od.yml');
    const writeConfig = (overrides: Record<string, unknown>) => {
      const config = localConfig({ bucket: o.bucket, s3Endpoint, onedataUrl: sim.url, sim: sim.info }, deepMerge(o.configOverrides, overrides));
      writeFileSync(configPath, '# Generated by the local stack (infra/local/stack.ts) on every start.\n' + dumpYaml(config));
      resetRuntime();
    };
    writeConfig({});

    // What the functions see: provider.environment from serverless.yml with its CloudFormation
    // references resolved to the local queues, plus the local endpoints and secrets.
    const functionEnv: Record<string, string> = {};
    for (const [k, v] of Object.entries(definition.environment)) {
      const ref = (v as { Ref?: string })?.Ref;
      if (typeof v === 'string') functionEnv[k] = v;
      else if (ref) functionEnv[k] = sqs.queueUrl(ref);
    }
    Object.assign(functionEnv, {
      S3OD_CONFIG: configPath,
      S3OD_S3_ENDPOINT: s3Endpoint,
      S3OD_SQS_ENDPOINT: sqs.endpoint,
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
      S3OD_ONEZONE_TOKEN: sim.info.token,
      S3OD_STORAGE_ACCESS_KEY: accessKeyId,
      S3OD_STORAGE_SECRET_KEY: secretAccessKey,
      S3OD_WEBHOOK_TOKEN: webhookToken,
      S3OD_JOBS_TOKEN: jobsToken,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    delete functionEnv.NODE_OPTIONS;
    Object.assign(process.env, functionEnv);
    resetRuntime();

    const credentials = { accessKeyId, secretAccessKey };
    const s3 = s3ClientFor({ endpoint: s3Endpoint, region, credentials });
    try {
      await s3.send(new CreateBucketCommand({ Bucket: o.bucket }));
      await setupRgwNotifications(s3, {
        endpoint: s3Endpoint,
        region,
        credentials,
        bucket: o.bucket,
        topicName: 's3od-events',
        pushEndpoint: `${gateway.url}/function/on-object-event`,
        webhookToken,
        persistent: o.persistentTopic,
      });
    } finally {
      s3.destroy();
    }

    const sqsClient = new SQSClient({ endpoint: sqs.endpoint, region, credentials });
    cleanups.push(async () => sqsClient.destroy());
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
          log,
        );
        mappings.set(`${fn.name}:${t.queueLogicalId}`, m);
      }
    }
    const resume = () => mappings.forEach((m) => m.start());
    const pause = async () => {
      await Promise.all([...mappings.values()].map((m) => m.stop()));
    };
    resume();
    cleanups.push(pause);

    const queues = Object.fromEntries(definition.queues.map((q) => [q.logicalId, sqs.queueUrl(q.logicalId)]));
    const info: StackInfo = {
      s3Endpoint,
      region,
      accessKeyId,
      secretAccessKey,
      bucket: o.bucket,
      sqsEndpoint: sqs.endpoint,
      queues,
      functionsUrl: gateway.url,
      onedataUrl: sim.url,
      onedataToken: sim.info.token,
      webhookToken,
      jobsToken,
      configPath,
      sim: { managerGroupId: sim.info.managerGroupId, userGroupId: sim.info.userGroupId, serviceUserId: sim.info.serviceUserId, providerIds: sim.info.providerIds },
      functionEnv,
    };
    writeFileSync(join(o.stateDir, 'stack.json'), JSON.stringify(info, null, 2) + '\n', { mode: 0o600 });
    return { info, host, sim, sqs, mappings, reconfigure: writeConfig, setFunctionsAvailable: gateway.setAvailable, restartS3: async () => void (await runRgw('restart-gateway', rgwEnv, log)), pauseEventSources: pause, resumeEventSources: resume, stop: stopAll };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
