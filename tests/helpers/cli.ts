import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { dump, load } from 'js-yaml';
import { run } from '../../infra/cli/main.ts';
import type { StackInfo } from '../../infra/local/stack.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the s3od CLI in-process and collects what it printed. Never looks for a developer's
 * `.local/stack.json`: tests say where their configuration comes from.
 */
export async function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; tty?: boolean } = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    stdout: { write: (t: string) => (stdout += t), isTTY: opts.tty ?? false },
    stderr: { write: (t: string) => (stderr += t), isTTY: opts.tty ?? false },
    env: opts.env ?? {},
    cwd: opts.cwd ?? process.cwd(),
    defaultStackFile: undefined,
  });
  return { code, stdout, stderr };
}

/** The stack.json the test stack wrote (beside its generated config). */
export function stackFileOf(info: StackInfo): string {
  return join(dirname(info.configPath), 'stack.json');
}

/** Every secret of the local stack: none may ever appear in CLI output. */
export function stackSecrets(info: StackInfo): string[] {
  return [
    info.secretAccessKey,
    info.onedataToken,
    info.webhookToken,
    info.jobsToken,
    info.functionEnv.S3OD_ONEZONE_TOKEN ?? '',
    info.functionEnv.S3OD_STORAGE_SECRET_KEY ?? '',
  ].filter((s) => s.length >= 8);
}

/**
 * Writes a CLI config: the stack's own config with `overrides` laid over it (top-level keys
 * replaced, mappings merged one level deep), e.g. other watched directories or another bucket.
 */
export function writeCliConfig(info: StackInfo, dir: string, name: string, overrides: Record<string, unknown>): string {
  const base = load(readFileSync(info.configPath, 'utf8')) as Record<string, unknown>;
  for (const [k, v] of Object.entries(overrides)) {
    const cur = base[k];
    base[k] =
      v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur) ? { ...(cur as object), ...(v as object) } : v;
  }
  const path = join(dir, name);
  writeFileSync(path, dump(base));
  return path;
}

/** The check lines `s3od doctor` prints without email or DAREG (infra/cli/lib/doctor-checks.ts), in order. */
export const DOCTOR_CORE_CHECKS = [
  'S3 reachable',
  'bucket notifications',
  'provision queue',
  'import queue',
  'Onezone reachable',
  'Oneprovider reachable',
  'Onepanel reachable',
  'versions compatible',
  'Onezone token',
  'Onepanel token',
  'manager group spaces',
];
