import { describe, expect, it } from 'vitest';
import { parseCommandArgs, splitCommand } from '../../../infra/cli/lib/args.ts';
import { UsageError } from '../../../infra/cli/lib/io.ts';

const known = [['status'], ['config', 'check'], ['config', 'import-fs2od']];
const isCommand = (words: string[]) => known.some((c) => words.every((w, i) => c[i] === w));

describe('command line splitting', () => {
  it('finds the command words wherever the global options are', () => {
    expect(splitCommand(['status', 'datasets/a', '--json'], isCommand)).toEqual({ words: ['status'], rest: ['datasets/a', '--json'] });
    expect(splitCommand(['--config', 'status', 'status'], isCommand)).toEqual({ words: ['status'], rest: ['--config', 'status'] });
    expect(splitCommand(['config', 'check', 'config.yml'], isCommand)).toEqual({ words: ['config', 'check'], rest: ['config.yml'] });
    // A positional that happens to be a command name is an argument once the command is known.
    expect(splitCommand(['status', 'status'], isCommand)).toEqual({ words: ['status'], rest: ['status'] });
  });
});

describe('option parsing', () => {
  const opts = { json: { type: 'boolean' }, prefix: { type: 'string' } } as const;
  it('parses options and the common ones', () => {
    const r = parseCommandArgs(['a', '--json', '--prefix', 'x/', '--config', 'c.yml'], opts, { min: 0, max: 1, names: 'DATASET' });
    expect(r.positionals).toEqual(['a']);
    expect(r.values).toMatchObject({ json: true, prefix: 'x/', config: 'c.yml' });
  });
  it('turns unknown options and wrong arity into usage errors', () => {
    expect(() => parseCommandArgs(['--nope'], opts, { min: 0, max: 1, names: 'X' })).toThrow(UsageError);
    expect(() => parseCommandArgs([], opts, { min: 1, max: 1, names: 'FILE' })).toThrow(/missing FILE/);
    expect(() => parseCommandArgs(['a', 'b'], opts, { min: 0, max: 1, names: 'X' })).toThrow(/unexpected argument "b"/);
    expect(() => parseCommandArgs(['--prefix'], opts, { min: 0, max: 1, names: 'X' })).toThrow(UsageError);
  });
  it('does not insist on arguments when help is asked for', () => {
    expect(parseCommandArgs(['--help'], opts, { min: 1, max: 1, names: 'FILE' }).values.help).toBe(true);
  });
});
