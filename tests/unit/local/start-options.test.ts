import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * `npm start`'s options (infra/local/start.ts): --help prints the usage, and an option it does not
 * know stops it before anything starts — a mistyped port flag used to start the stack on the
 * default ports. Neither case starts a server.
 */
const ROOT = join(import.meta.dirname, '../../..');
const run = (args: string[]) =>
  promisify(execFile)(join(ROOT, 'node_modules/.bin/tsx'), ['infra/local/start.ts', ...args], { cwd: ROOT, timeout: 30_000 }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

describe('npm start options', () => {
  it('--help prints the usage with every option and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--demo', '--exit', '--metrics', '--json-logs', '--verbose', '--rgw-port', '--smtp-port']) expect(r.stdout).toContain(flag);
  });

  it('refuses an unknown option (a mistyped port flag) with the usage, exit 2, before starting anything', async () => {
    const r = await run(['--rgw-prot', '7000']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^unknown option --rgw-prot\n/);
    expect(r.stderr).toContain('usage: npm start');
    expect(r.stdout).not.toContain('READY');
  });
});
