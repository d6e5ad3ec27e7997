/**
 * `s3od`, the operator CLI: status, retry, backfill, doctor, config check / import-fs2od, stats,
 * notifications setup, access, lifecycle run, delete. See docs/cli.md.
 *
 * `run(argv, io)` runs one command in-process and returns its exit code (0 ok, 1 failure,
 * 2 usage error); `infra/cli/s3od.js` calls it with the real process streams.
 */
import { join, dirname } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../shared/config/index.ts';
import { isOnedataError } from '../../shared/onedata/index.ts';
import { accessCommand } from './commands/access.ts';
import { backfillCommand } from './commands/backfill.ts';
import { configCheckCommand, configImportCommand } from './commands/config.ts';
import { doctorCommand } from './commands/doctor.ts';
import { deleteCommand } from './commands/delete.ts';
import { lifecycleRunCommand } from './commands/lifecycle.ts';
import { notificationsCommand } from './commands/notifications.ts';
import { retryCommand } from './commands/retry.ts';
import { statsCommand } from './commands/stats.ts';
import { statusCommand } from './commands/status.ts';
import { splitCommand } from './lib/args.ts';
import type { Command } from './lib/command.ts';
import { CommandFailed, EXIT, Output, UsageError, type CliIo } from './lib/io.ts';

const NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH']);

export const COMMANDS: Command[] = [
  statusCommand,
  retryCommand,
  backfillCommand,
  doctorCommand,
  configCheckCommand,
  configImportCommand,
  statsCommand,
  notificationsCommand,
  accessCommand,
  lifecycleRunCommand,
  deleteCommand,
];

const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The local stack file `npm start` writes (infra/local/stack.ts). */
export const LOCAL_STACK_FILE = join(PROJECT_ROOT, '.local', 'stack.json');

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.words.join(' ').length));
  return [
    'Usage: s3od COMMAND [options]     (s3od COMMAND --help for details)',
    '',
    'Operate s3od: datasets in a facility bucket, provisioned into Onedata by serverless functions.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.words.join(' ').padEnd(width)}  ${c.summary}`),
    '',
    'Where the configuration comes from (every command that needs it):',
    '  --config FILE   the s3od YAML config, with endpoints, queue URLs and secrets from the',
    '                  environment (S3OD_S3_ENDPOINT, S3OD_SQS_ENDPOINT, S3OD_PROVISION_QUEUE_URL,',
    '                  S3OD_IMPORT_QUEUE_URL, S3OD_ONEZONE_TOKEN, AWS_ACCESS_KEY_ID, ...)',
    "  --stack FILE    a local stack's stack.json",
    '  neither         S3OD_CONFIG_YAML (inline YAML) if set, else S3OD_CONFIG (a path) if set,',
    '                  else the local stack (.local/stack.json) if it runs',
    '',
    'Exit codes: 0 ok, 1 failure, 2 usage error. Secrets are never printed.',
  ].join('\n');
}

function isCommandPrefix(words: string[]): boolean {
  return COMMANDS.some((c) => words.every((w, i) => c.words[i] === w));
}

function defaultIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), defaultStackFile: LOCAL_STACK_FILE, ask: askAtTerminal };
}

/** A question on the terminal; no answer when stdin is not one (scripts must say --yes). */
async function askAtTerminal(question: string): Promise<string | undefined> {
  if (!process.stdin.isTTY) return undefined;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

export async function run(argv: string[], io: Partial<CliIo> = {}): Promise<number> {
  const fullIo: CliIo = { ...defaultIo(), ...io };
  const output = new Output(fullIo);
  const { words, rest } = splitCommand(argv, isCommandPrefix);
  const command = COMMANDS.find((c) => c.words.length === words.length && c.words.every((w, i) => w === words[i]));
  if (!command) {
    if (words.length === 0 && (rest.includes('--help') || rest.includes('-h') || rest.length === 0)) {
      output.out(mainHelp());
      return rest.length === 0 ? EXIT.usage : EXIT.ok;
    }
    if (rest.includes('--version')) {
      output.out('s3od 0.1.0');
      return EXIT.ok;
    }
    const group = COMMANDS.filter((c) => words.length > 0 && c.words[0] === words[0]);
    if (group.length) {
      output.err(`s3od ${words.join(' ')}: which one? ${group.map((c) => `s3od ${c.words.join(' ')}`).join(', ')}`);
      if (rest.includes('--help') || rest.includes('-h')) return EXIT.ok;
      // Every usage error ends with where to read more (docs/cli.md, exit codes).
      output.err('Try: s3od --help');
      return EXIT.usage;
    }
    const unknown = rest.find((t) => !t.startsWith('-')) ?? rest[0] ?? '';
    output.err(`s3od: unknown command ${JSON.stringify(unknown)}. Commands: ${COMMANDS.map((c) => c.words.join(' ')).join(', ')}`);
    output.err('Try: s3od --help');
    return EXIT.usage;
  }
  const name = `s3od ${command.words.join(' ')}`;
  // Every command's --help, in one place.
  if (rest.includes('--help') || rest.includes('-h')) {
    output.out(command.help);
    return EXIT.ok;
  }
  try {
    return await command.run(rest, { io: fullIo, output });
  } catch (e) {
    if (e instanceof UsageError) {
      output.err(`${name}: ${e.message}`);
      output.err(`Try: ${name} --help`);
      return EXIT.usage;
    }
    if (e instanceof ConfigError) {
      output.err(`${name}: ${e.message}`);
      return EXIT.failure;
    }
    if (e instanceof CommandFailed) {
      output.err(`${name}: ${e.message}`);
      return EXIT.failure;
    }
    // Unexpected: S3, SQS or Onedata failed. One line with what failed, not a stack trace.
    const err = e as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
    const status = err.$metadata?.httpStatusCode ? ` (HTTP ${err.$metadata.httpStatusCode})` : '';
    output.err(`${name}: ${isOnedataError(e) ? e.message : `${err.name ?? 'Error'}${status}: ${err.message ?? String(e)}`}`);
    if (NETWORK_ERRORS.has(err.code ?? '') || /ECONNREFUSED|ENOTFOUND|ETIMEDOUT/.test(err.message ?? '')) {
      output.err('hint: check S3OD_S3_ENDPOINT / S3OD_SQS_ENDPOINT (or that the local stack is running), or run s3od doctor');
    }
    if (fullIo.env.S3OD_DEBUG && e instanceof Error && e.stack) output.err(e.stack);
    return EXIT.failure;
  }
}
