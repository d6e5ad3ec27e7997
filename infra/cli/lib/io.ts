/**
 * Where the CLI writes and what it knows about its surroundings. Injectable so tests run commands
 * in-process and read what they printed.
 *
 * Every byte goes through `Output`, which masks every secret it has been told about (service
 * tokens, S3 secret keys, the webhook token, invite tokens read from records) — a second line of
 * defence behind the commands never formatting a secret in the first place. It also escapes
 * control and bidi characters in every human line (`safeLines`) and keeps them out of `--json`
 * (`safeJson`), behind the commands rendering each untrusted value with `safeText` (safe-text.ts).
 */
import { safeJson, safeLines } from './safe-text.ts';

export interface TextSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface CliIo {
  stdout: TextSink;
  stderr: TextSink;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The local stack file used when neither --config nor --stack is given (undefined: never). */
  defaultStackFile: string | undefined;
  /** Asks the person at the terminal (undefined answer: nobody there to ask, e.g. a pipe). */
  ask?: (question: string) => Promise<string | undefined>;
}

export const REDACTED = '[REDACTED]';

/** Values this short are not masked: they would mask ordinary words (same rule as shared/log). */
const MIN_SECRET_LENGTH = 8;

export class Output {
  private readonly secrets = new Set<string>();
  constructor(private readonly io: Pick<CliIo, 'stdout' | 'stderr'>) {}

  addSecret(value: string | undefined | null): void {
    if (value && value.length >= MIN_SECRET_LENGTH) this.secrets.add(value);
  }

  /** Every known secret replaced, except `reveal` (the one a command was asked to print). */
  mask(text: string, reveal?: string): string {
    let out = text;
    for (const s of this.secrets) if (s !== reveal && out.includes(s)) out = out.split(s).join(REDACTED);
    return out;
  }

  /**
   * Stdout text that carries a secret the operator asked for — `s3od access` prints the token it
   * has just issued, that is its output. Every other known secret is still masked, and `secret`
   * stays masked everywhere else (stderr, other lines).
   */
  outRevealing(text: string, secret: string): void {
    this.io.stdout.write(safeLines(this.mask(text, secret)) + '\n');
  }

  jsonRevealing(value: unknown, secret: string): void {
    this.io.stdout.write(safeJson(this.mask(JSON.stringify(value, null, 2), secret)) + '\n');
  }

  /** A line (or block) on stdout. */
  out(text = ''): void {
    this.io.stdout.write(safeLines(this.mask(text)) + '\n');
  }

  /** A line on stderr: diagnostics, warnings, progress. */
  err(text = ''): void {
    this.io.stderr.write(safeLines(this.mask(text)) + '\n');
  }

  /**
   * Stderr text without a newline, for a progress line rewritten in place: `\r` before and the
   * erase-to-end-of-line sequence after are the CLI's own; `text` itself is escaped.
   */
  progressLine(text: string, end = ''): void {
    this.io.stderr.write(`\r${safeLines(this.mask(text)).replace(/\n/g, '\\u{a}')}\x1b[K${end}`);
  }

  json(value: unknown): void {
    this.io.stdout.write(safeJson(this.mask(JSON.stringify(value, null, 2))) + '\n');
  }

  get stdoutIsTTY(): boolean {
    return Boolean(this.io.stdout.isTTY);
  }

  get stderrIsTTY(): boolean {
    return this.io.stderr.isTTY === true;
  }
}

/** Bad invocation: unknown option, missing argument. Exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    readonly helpHint?: string,
  ) {
    super(message);
  }
}

/** A command failed in a way already explained to the operator. Exit code 1. */
export class CommandFailed extends Error {
  override name = 'CommandFailed';
}

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;
