import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './io.ts';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Options every command accepts: where the configuration comes from, and help. */
export const COMMON_OPTIONS = {
  config: { type: 'string' },
  stack: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpec;

/** Options that take a value, anywhere on the command line (to find the command words). */
const VALUE_OPTIONS = new Set(['--config', '--stack']);

/**
 * Splits `argv` into the command words (`config check`) and the rest, so global options may come
 * before or after the command: `s3od --config x.yml status` and `s3od status --config x.yml`.
 * `isCommand` says whether a sequence of bare words is (the start of) a known command.
 */
export function splitCommand(argv: string[], isCommand: (words: string[]) => boolean): { words: string[]; rest: string[] } {
  const words: string[] = [];
  const rest: string[] = [];
  let skipNext = false;
  let done = false;
  for (const token of argv) {
    if (skipNext) {
      rest.push(token);
      skipNext = false;
      continue;
    }
    if (token === '--') done = true;
    if (!done && !token.startsWith('-') && isCommand([...words, token])) {
      words.push(token);
      continue;
    }
    if (!done && !token.startsWith('-') && words.length > 0) done = true;
    if (VALUE_OPTIONS.has(token)) skipNext = true;
    rest.push(token);
  }
  return { words, rest };
}

export interface ParsedArgs<O extends OptionSpec> {
  values: { [K in keyof O]?: O[K] extends { type: 'boolean' } ? boolean : string } & { config?: string; stack?: string; help?: boolean };
  positionals: string[];
}

/** node:util parseArgs with the common options, errors turned into usage errors (exit 2). */
export function parseCommandArgs<O extends OptionSpec>(argv: string[], options: O, positionals: { min: number; max: number; names: string }): ParsedArgs<O> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...COMMON_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (e) {
    // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes and a readable message.
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const values = parsed.values as ParsedArgs<O>['values'];
  if (!values.help) {
    if (parsed.positionals.length < positionals.min) throw new UsageError(`missing ${positionals.names}`);
    if (parsed.positionals.length > positionals.max) throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[positionals.max])}`);
  }
  return { values, positionals: parsed.positionals };
}

/** A non-negative integer option value. */
export function intOption(name: string, value: string | undefined, def: number, min = 0): number {
  if (value === undefined) return def;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be a whole number ≥ ${min} (got ${JSON.stringify(value)})`);
  return n;
}
