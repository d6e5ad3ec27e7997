/**
 * The CLI masks every secret value it knows (docs/cli.md, "Secrets are never printed"): those of
 * the environment, of a local stack's stack.json and of the config file, whether or not the
 * command itself reads them.
 */
import { describe, expect, it } from 'vitest';
import { CliContext, SECRET_ENV_VARS } from '../../../infra/cli/lib/context.ts';
import { Output } from '../../../infra/cli/lib/io.ts';
import type { StackInfo } from '../../../infra/local/stack.ts';
import { testConfig } from '../../helpers/test-config.ts';

function printed(ctxArgs: { env?: NodeJS.ProcessEnv; stack?: Partial<StackInfo>; configYaml?: string }, text: string): string {
  let out = '';
  const output = new Output({ stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (out += t) } });
  const ctx = new CliContext(
    {
      config: testConfig(ctxArgs.configYaml ?? ''),
      configSource: 'test',
      env: ctxArgs.env ?? {},
      ...(ctxArgs.stack ? { stack: ctxArgs.stack as StackInfo, stackFile: 'stack.json' } : {}),
    },
    output,
  );
  ctx.output.out(text);
  ctx.output.err(text);
  ctx.destroy();
  return out;
}

describe('secret masking in the CLI', () => {
  // Guards the S3OD_JOBS_TOKEN, S3OD_SMTP_PASSWORD and S3OD_DAREG_TOKEN entries of SECRET_ENV_VARS
  // (infra/cli/lib/context.ts): a command that never loads them still masks them.
  it('masks the jobs token, the SMTP password and the DAREG token from the environment', () => {
    const env = { S3OD_JOBS_TOKEN: 'jobs-token-abcdef12', S3OD_SMTP_PASSWORD: 'smtp-password-3456', S3OD_DAREG_TOKEN: 'dareg-token-7890ab' };
    const out = printed({ env }, `a ${env.S3OD_JOBS_TOKEN} b ${env.S3OD_SMTP_PASSWORD} c ${env.S3OD_DAREG_TOKEN}`);
    expect(out).toBe('a [REDACTED] b [REDACTED] c [REDACTED]\n'.repeat(2));
    for (const name of ['S3OD_JOBS_TOKEN', 'S3OD_SMTP_PASSWORD', 'S3OD_DAREG_TOKEN']) expect(SECRET_ENV_VARS).toContain(name);
  });

  // Guards `output.addSecret(settings.stack.jobsToken)` in CliContext's constructor.
  it("masks the local stack's jobs token", () => {
    const out = printed(
      { stack: { jobsToken: 'stack-jobs-token-1234', secretAccessKey: 'k', onedataToken: 'o', webhookToken: 'w' } },
      'bearer stack-jobs-token-1234',
    );
    expect(out).toBe('bearer [REDACTED]\n'.repeat(2));
  });

  // Guards `output.addSecret(settings.config.dareg.token)` in CliContext's constructor: fs2od kept
  // the DAREG token in its config file, and s3od still accepts it there.
  it('masks a dareg.token from the config file', () => {
    const out = printed(
      { configYaml: 'dareg: { enabled: true, host: https://dareg.example.org/api, token: config-dareg-token-42 }' },
      'Token config-dareg-token-42',
    );
    expect(out).toBe('Token [REDACTED]\n'.repeat(2));
  });
});
