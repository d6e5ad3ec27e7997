import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

describe('the s3od executable', () => {
  it('runs the TypeScript CLI through the tsx shim', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['infra/cli/s3od.js', '--help'], { cwd: new URL('../../..', import.meta.url).pathname });
    expect(stdout).toMatch(/^Usage: s3od COMMAND/);
    expect(stdout).toMatch(/config import-fs2od/);
  });
  it('exits 2 on a usage error', async () => {
    const err = await promisify(execFile)(process.execPath, ['infra/cli/s3od.js', 'nonsense'], { cwd: new URL('../../..', import.meta.url).pathname }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(err).toMatchObject({ code: 2 });
  });
});
