import { parseCommandArgs } from '../lib/args.ts';
import { CONFIG_HELP, withContext, type Command } from '../lib/command.ts';
import { checkDareg, checkMail, checkOnedata, checkQueues, checkS3, type CheckResult } from '../lib/doctor-checks.ts';
import { MARK } from '../lib/format.ts';
import { EXIT } from '../lib/io.ts';
import { safeText } from '../lib/safe-text.ts';

const OPTIONS = { json: { type: 'boolean' } } as const;

export const doctorCommand: Command = {
  words: ['doctor'],
  summary: 'check S3, notifications, queues, Onedata reachability, versions, token privileges, SMTP and DAREG',
  help: `Usage: s3od doctor [--json]

A connection test (fs2od's "test connection", extended). One line per check:

  S3 reachable            HeadBucket on the configured bucket
  bucket notifications    the bucket's notification configuration delivers to s3od
                          (RGW topic, MinIO webhook ARN, or the AWS events queue)
  provision/import queue  GetQueueAttributes (and jobs waiting in the dead-letter queue)
  Onezone / Oneprovider / Onepanel reachable   GET /configuration
  versions compatible     21.02.x (other versions are a warning)
  Onezone token           GET /user works with S3OD_ONEZONE_TOKEN
  Onepanel token          the provider token lists storages (a cluster member)
  manager group spaces    the token can list managerGroupId's spaces
  SMTP reachable          with email enabled: connect, TLS as configured, AUTH (nothing is sent)
  DAREG reachable         with dareg.enabled: GET dareg.host with the token (nothing is registered)

✔ ok, ✘ failed (with a hint), ⚠ warning, - skipped (something it depends on failed).
Exit codes: 0 no check failed (warnings allowed), 1 a check failed, 2 usage error.

${CONFIG_HELP}`,
  async run(argv, env) {
    const { values } = parseCommandArgs(argv, OPTIONS, { min: 0, max: 0, names: '' });
    return withContext(values, env, async (ctx) => {
      const { output } = env;
      // Independent groups run at once; lines come out in a fixed order.
      const [s3, queues, onedata, mail, dareg] = await Promise.all([checkS3(ctx), checkQueues(ctx), checkOnedata(ctx), checkMail(ctx), checkDareg(ctx)]);
      const checks: CheckResult[] = [...s3, ...queues, ...onedata, ...mail, ...dareg];
      const failed = checks.filter((c) => c.status === 'fail').length;
      const warned = checks.filter((c) => c.status === 'warn').length;
      if (values.json) output.json({ ok: failed === 0, config: ctx.settings.configSource, checks });
      else {
        output.out(`config ${ctx.settings.configSource}, bucket ${ctx.config.bucket}`);
        for (const c of checks) {
          output.out(`${MARK[c.status]} ${c.name}: ${safeText(c.detail)}`);
          if (c.hint && c.status !== 'ok') output.out(`    hint: ${c.hint}`);
        }
        output.out(
          `${checks.length} checks: ${checks.length - failed - warned - checks.filter((c) => c.status === 'skip').length} ok` +
            `${warned ? `, ${warned} warnings` : ''}${failed ? `, ${failed} failed` : ''}`,
        );
      }
      return failed ? EXIT.failure : EXIT.ok;
    });
  },
};
