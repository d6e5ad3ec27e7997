import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { loadConfigFile, loadSecrets, parseConfig, type S3odConfig, type S3odSecrets } from '../../../shared/config/index.ts';
import { KeyClassifier } from '../../../shared/events/classify.ts';
import { registerSecret, type Logger, type LogFields } from '../../../shared/log/index.ts';
import type { LifecycleProvider } from '../../../shared/lifecycle/providers.ts';
import { createOnedataClient, createProviderClients, type OnedataClient } from '../../../shared/onedata/index.ts';
import { StateStore } from '../../../shared/state/state-store.ts';
import { ObjectStore } from '../../../shared/storage/objects.ts';
import type { StackInfo } from '../../local/stack.ts';
import { CommandFailed, UsageError, type CliIo, type Output } from './io.ts';

/**
 * Where the configuration, endpoints and secrets come from, in this order:
 *
 * 1. `--config FILE` (+ the environment; with `--stack FILE` also that stack's endpoints/secrets);
 * 2. `--stack FILE`: a local stack's `stack.json` (its config file and its functions' environment);
 * 3. `S3OD_CONFIG` / `S3OD_CONFIG_YAML` in the environment (as the functions read it);
 * 4. the local stack's `.local/stack.json`, when it exists (`npm start` writes it).
 */
export interface CliSettings {
  config: S3odConfig;
  /** Path of the config file, or `S3OD_CONFIG_YAML`. */
  configSource: string;
  env: NodeJS.ProcessEnv;
  stack?: StackInfo;
  stackFile?: string;
}

/**
 * Environment variables whose values are secrets: masked in every line the CLI prints, whether or
 * not the command reads them (a stack's environment carries them all, and a server may echo one).
 */
export const SECRET_ENV_VARS = [
  'S3OD_ONEZONE_TOKEN',
  'S3OD_ONEPROVIDER_TOKEN',
  'S3OD_STORAGE_SECRET_KEY',
  'S3OD_WEBHOOK_TOKEN',
  'S3OD_JOBS_TOKEN',
  'S3OD_SMTP_PASSWORD',
  'S3OD_DAREG_TOKEN',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
] as const;

export function readStackFile(path: string): StackInfo {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as StackInfo;
  } catch (e) {
    throw new UsageError(`cannot read the local stack file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Reads the configuration named by the options or found in the surroundings. ConfigError on a bad file. */
export function resolveSettings(opts: { config?: string | undefined; stack?: string | undefined }, io: CliIo): CliSettings {
  const stackFile = opts.stack ? resolve(io.cwd, opts.stack) : undefined;
  const stack = stackFile ? readStackFile(stackFile) : undefined;
  // The stack's values win over the shell's: asking for a stack means its endpoints and keys.
  const stackEnv = (s: StackInfo): NodeJS.ProcessEnv => ({ ...io.env, ...s.functionEnv });
  if (opts.config) {
    const path = resolve(io.cwd, opts.config);
    return { config: loadConfigFile(path), configSource: path, env: stack ? stackEnv(stack) : io.env, ...(stack ? { stack, stackFile } : {}) };
  }
  if (stack && stackFile) {
    const path = stack.functionEnv.S3OD_CONFIG ?? stack.configPath;
    return { config: loadConfigFile(path), configSource: path, env: stackEnv(stack), stack, stackFile };
  }
  if (io.env.S3OD_CONFIG_YAML) return { config: parseConfig(io.env.S3OD_CONFIG_YAML, 'S3OD_CONFIG_YAML'), configSource: 'S3OD_CONFIG_YAML', env: io.env };
  if (io.env.S3OD_CONFIG) {
    const path = resolve(io.cwd, io.env.S3OD_CONFIG);
    return { config: loadConfigFile(path), configSource: path, env: io.env };
  }
  if (io.defaultStackFile && existsSync(io.defaultStackFile)) return resolveSettings({ stack: io.defaultStackFile }, io);
  throw new UsageError(
    'no configuration: pass --config FILE (secrets and endpoints from S3OD_* / AWS_* environment variables), ' +
      'set S3OD_CONFIG (a path) or S3OD_CONFIG_YAML (inline YAML), or start the local stack (npm start) so .local/stack.json exists',
  );
}

/** Onedata client settings for the CLI: an operator waits at the terminal, so fail fast. */
export interface OnedataClientOptions {
  /** Per-request timeout; default min(config, 10 s). */
  timeoutMs?: number;
  retries?: number;
  /** Another Oneprovider than the primary (for its Onepanel). */
  providerUrl?: string;
  /**
   * No token needed: for the public `/configuration` calls only (doctor checks reachability even
   * when the token is missing). Authenticated calls made with it fail with `unauthorized`.
   */
  publicOnly?: boolean;
}

/**
 * Clients built on first use, so a command that only reads the bucket never needs the Onedata
 * token and `config check` needs nothing at all.
 */
export class CliContext {
  private s3Client?: S3Client;
  private sqsClient?: SQSClient;
  private objectStore?: ObjectStore;
  private stateStore?: StateStore;
  private loadedSecrets?: S3odSecrets;
  readonly classifier: KeyClassifier;

  constructor(
    readonly settings: CliSettings,
    readonly output: Output,
  ) {
    for (const name of SECRET_ENV_VARS) output.addSecret(settings.env[name]);
    if (settings.stack) {
      output.addSecret(settings.stack.secretAccessKey);
      output.addSecret(settings.stack.onedataToken);
      output.addSecret(settings.stack.webhookToken);
      output.addSecret(settings.stack.jobsToken);
    }
    // fs2od kept the DAREG token in its config file, and s3od still accepts it there.
    output.addSecret(settings.config.dareg.token);
    this.classifier = new KeyClassifier(settings.config);
  }

  get config(): S3odConfig {
    return this.settings.config;
  }

  get env(): NodeJS.ProcessEnv {
    return this.settings.env;
  }

  private credentials(): { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined {
    const { AWS_ACCESS_KEY_ID: id, AWS_SECRET_ACCESS_KEY: secret, AWS_SESSION_TOKEN: session } = this.env;
    // Explicit keys from the resolved environment (it may be a stack's, not this process's);
    // otherwise the SDK's default chain (profiles, instance roles).
    return id && secret ? { accessKeyId: id, secretAccessKey: secret, ...(session ? { sessionToken: session } : {}) } : undefined;
  }

  s3(): S3Client {
    if (this.s3Client) return this.s3Client;
    const endpoint = this.env.S3OD_S3_ENDPOINT || undefined;
    const credentials = this.credentials();
    // Same settings as shared/aws/clients.ts (path style; checksums only when required, which
    // Ceph RGW 16.2 needs), plus credentials from the resolved environment.
    this.s3Client = new S3Client({
      region: this.env.AWS_REGION || 'us-east-1',
      ...(endpoint ? { endpoint } : {}),
      ...(credentials ? { credentials } : {}),
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 2,
    });
    return this.s3Client;
  }

  sqs(): SQSClient {
    if (this.sqsClient) return this.sqsClient;
    const endpoint = this.env.S3OD_SQS_ENDPOINT || undefined;
    const credentials = this.credentials();
    this.sqsClient = new SQSClient({
      region: this.env.AWS_REGION || 'us-east-1',
      ...(endpoint ? { endpoint } : {}),
      ...(credentials ? { credentials } : {}),
      maxAttempts: 2,
    });
    return this.sqsClient;
  }

  objects(): ObjectStore {
    return (this.objectStore ??= new ObjectStore(this.s3(), this.config.bucket));
  }

  states(): StateStore {
    return (this.stateStore ??= new StateStore(this.objects()));
  }

  /** The queue URL from the environment, or a failure that says which variable to set. */
  queueUrl(kind: 'provision' | 'import'): string {
    const name = kind === 'provision' ? 'S3OD_PROVISION_QUEUE_URL' : 'S3OD_IMPORT_QUEUE_URL';
    const url = this.env[name];
    if (!url) throw new CommandFailed(`${name} is not set: the URL of s3od's ${kind} queue (see the deployment's stack outputs)`);
    return url;
  }

  secrets(): S3odSecrets {
    if (this.loadedSecrets) return this.loadedSecrets;
    this.loadedSecrets = loadSecrets(this.env);
    for (const v of Object.values(this.loadedSecrets)) if (typeof v === 'string') this.output.addSecret(v);
    return this.loadedSecrets;
  }

  /**
   * The secrets of the SMTP server and DAREG alone, without `secrets()`'s demand for the Onezone
   * token: doctor checks those services even when that token is missing, each on its own line.
   */
  serviceSecrets(): Pick<S3odSecrets, 'smtpPassword' | 'daregToken'> {
    const smtpPassword = this.env.S3OD_SMTP_PASSWORD || undefined;
    const daregToken = this.env.S3OD_DAREG_TOKEN || undefined;
    // Also for shared code's redaction (redactString), as loadSecrets would.
    for (const v of [smtpPassword, daregToken]) if (v) registerSecret(v);
    return { smtpPassword, daregToken };
  }

  /** A Onedata client (tokens from the environment). Throws ConfigError when the token is missing. */
  onedata(opts: OnedataClientOptions = {}): OnedataClient {
    const s = opts.publicOnly ? { onezoneToken: 'no-token-public-calls-only', oneproviderToken: undefined } : this.secrets();
    const primary = this.config.restAccess.oneproviders[0]!;
    return createOnedataClient({
      onezoneUrl: this.config.restAccess.onezone.host,
      oneproviderUrl: opts.providerUrl ?? primary.host,
      onezoneToken: s.onezoneToken,
      providerToken: s.oneproviderToken,
      timeoutMs: opts.timeoutMs ?? Math.min(this.config.onedata.timeoutMs, 10_000),
      retry: { retries: opts.retries ?? 1, baseDelayMs: 200, maxDelayMs: 1000 },
      concurrency: this.config.onedata.concurrency,
      logger: cliLogger(this.output, this.env.S3OD_LOG_LEVEL === 'debug' ? 'debug' : 'error'),
    });
  }

  /**
   * Every configured Oneprovider with its clients, the primary first (the lifecycle: supports on
   * the secondaries, replication progress, revocation). Same fail-fast settings as `onedata()`.
   */
  providers(): LifecycleProvider[] {
    const s = this.secrets();
    const entries = this.config.restAccess.oneproviders;
    const primary = this.onedata();
    const others = createProviderClients(
      {
        onezoneUrl: this.config.restAccess.onezone.host,
        oneproviderUrl: entries[0]!.host,
        onezoneToken: s.onezoneToken,
        providerToken: s.oneproviderToken,
        timeoutMs: Math.min(this.config.onedata.timeoutMs, 10_000),
        retry: { retries: 1, baseDelayMs: 200, maxDelayMs: 1000 },
        concurrency: this.config.onedata.concurrency,
        logger: cliLogger(this.output, this.env.S3OD_LOG_LEVEL === 'debug' ? 'debug' : 'error'),
      },
      entries.slice(1).map((p) => p.host),
    );
    return entries.map((p, i) =>
      i === 0
        ? { url: p.host.replace(/\/+$/, ''), isPrimary: true, storageIds: p.storageIds, provider: primary.provider, panel: primary.panel }
        : { ...others[i - 1]!, isPrimary: p.isPrimary, storageIds: p.storageIds },
    );
  }

  destroy(): void {
    this.s3Client?.destroy();
    this.sqsClient?.destroy();
  }
}

/**
 * shared/ code logs JSON lines to stdout; the CLI's stdout is for its own output, so the Onedata
 * client gets a logger that writes to stderr, and only from `level` up.
 */
export function cliLogger(output: Output, level: 'debug' | 'error', base: LogFields = {}): Logger {
  const order = { debug: 10, info: 20, warn: 30, error: 40 } as const;
  const write = (l: keyof typeof order, msg: string, fields?: LogFields) => {
    if (order[l] < order[level]) return;
    output.err(`[${l}] ${msg}${fields ? ' ' + safeJson({ ...base, ...fields }) : ''}`);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (fields) => cliLogger(output, level, { ...base, ...fields }),
  };
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x) => (x instanceof Error ? { name: x.name, message: x.message } : x));
  } catch {
    return '';
  }
}
