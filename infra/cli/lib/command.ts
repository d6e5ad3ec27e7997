import { CliContext, resolveSettings } from './context.ts';
import type { CliIo, Output } from './io.ts';

/** What a command gets: where to write, and the surroundings to resolve its configuration from. */
export interface CommandEnv {
  io: CliIo;
  output: Output;
}

export interface Command {
  /** The words that name it: ['status'], ['config', 'check']. */
  words: string[];
  /** One line for the command list. */
  summary: string;
  /** The full `--help` text. */
  help: string;
  /** Returns the exit code; throws UsageError (2), ConfigError / CommandFailed (1). */
  run(argv: string[], env: CommandEnv): Promise<number>;
}

/** Lines shown in every command's help: where the configuration comes from. */
export const CONFIG_HELP = `Configuration:
  --config FILE   the s3od YAML config; endpoints, queues and secrets from the environment
                  (S3OD_S3_ENDPOINT, S3OD_SQS_ENDPOINT, S3OD_PROVISION_QUEUE_URL,
                  S3OD_IMPORT_QUEUE_URL, S3OD_ONEZONE_TOKEN, AWS_* ...)
  --stack FILE    a local stack's stack.json (its config, endpoints and keys)
  Without either: S3OD_CONFIG_YAML (inline YAML), else S3OD_CONFIG (a path), else the local
  stack's .local/stack.json if it exists.`;

/** Builds the context for a command that talks to the bucket, queues or Onedata, and cleans up. */
export async function withContext<T>(
  values: { config?: string | undefined; stack?: string | undefined },
  env: CommandEnv,
  fn: (ctx: CliContext) => Promise<T>,
): Promise<T> {
  const ctx = new CliContext(resolveSettings(values, env.io), env.output);
  try {
    return await fn(ctx);
  } finally {
    ctx.destroy();
  }
}
