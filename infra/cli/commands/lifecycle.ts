import { runLifecyclePass, type LifecycleEvent } from '../../../shared/lifecycle/lifecycle-pass.ts';
import { lifecycleMailHook } from '../../../shared/notifications/lifecycle-mail.ts';
import { smtpMailer } from '../../../shared/notifications/transport.ts';
import { parseCommandArgs } from '../lib/args.ts';
import { CONFIG_HELP, withContext, type Command } from '../lib/command.ts';
import { cliLogger } from '../lib/context.ts';
import { EXIT, UsageError } from '../lib/io.ts';

const OPTIONS = {
  prefix: { type: 'string' },
  now: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export const lifecycleRunCommand: Command = {
  words: ['lifecycle', 'run'],
  summary: 'run one lifecycle pass now: replication progress, expiry at the facility (docs/lifecycle.md)',
  help: `Usage: s3od lifecycle run [--prefix P] [--now ISO-TIME] [--json]

Runs what the scheduled lifecycle function runs, once, from this machine: for every provisioned
dataset (under its lease; a dataset being provisioned is skipped and left to the next pass) it
records the replication progress on each provider, plans or cancels its expiry at the facility,
sends due reminders and — once the time has come — revokes the facility's (primary) support only
if every file has its replicas elsewhere, then deletes the dataset's objects from the bucket only
when dataReplication.removeFromFilesystem is true.

  --prefix P     only datasets whose folder starts with P
  --now TIME     act as if it were this time (ISO 8601), e.g. to see what a pass next month does
  --json         machine-readable report

Exit codes: 0 done, 1 a dataset's pass failed (the next pass retries it), 2 usage error.

${CONFIG_HELP}`,
  async run(argv, env) {
    const { values } = parseCommandArgs(argv, OPTIONS, { min: 0, max: 0, names: '' });
    let now: (() => Date) | undefined;
    if (values.now !== undefined) {
      const t = Date.parse(values.now);
      if (Number.isNaN(t)) throw new UsageError(`--now "${values.now}" is not an ISO 8601 time`);
      now = () => new Date(t);
    }
    return withContext(values, env, async (ctx) => {
      const events: LifecycleEvent[] = [];
      const log = cliLogger(env.output, ctx.env.S3OD_LOG_LEVEL === 'debug' ? 'debug' : 'error');
      const email = ctx.config.messaging.email;
      // The same mail as the scheduled function sends: a pass run by hand is a pass.
      const mailer = email.enabled ? smtpMailer(email, ctx.secrets().smtpPassword) : undefined;
      const mail = mailer
        ? lifecycleMailHook({
            mailer,
            email,
            log,
            config: ctx.config,
            objects: ctx.objects(),
            ...(now ? { now } : {}),
          })
        : undefined;
      const report = await runLifecyclePass(
        {
          config: ctx.config,
          secrets: ctx.secrets(),
          objects: ctx.objects(),
          states: ctx.states(),
          onedata: ctx.onedata(),
          providers: ctx.providers(),
          log,
          now: now ?? (() => new Date()),
          ...(mailer ? { mailer } : {}),
          notify: async (e, lease) => {
            events.push(e);
            await mail?.(e, lease);
          },
        },
        values.prefix,
      );
      if (values.json) env.output.json({ ...report, events });
      else {
        env.output.out(
          `${report.datasets} dataset(s): replication checked ${report.replicationChecked}, expiries scheduled ${report.expiriesScheduled}, reminders ${report.reminders}, ` +
            `waiting for replicas ${report.waitingForReplicas}, primary supports revoked ${report.primaryRevoked}, objects deleted ${report.objectsDeleted}, ` +
            `expired ${report.expired}, cancelled ${report.cancelled}, published after embargo ${report.published}, metadata files removed ${report.metadataRemoved}, deleted ${report.deleted}, busy ${report.busy}, errors ${report.errors}`,
        );
        for (const e of events) env.output.out(`  ${e.dataset}: ${e.event}${e.removeAt ? ` (${e.removeAt})` : ''}${e.before ? `, ${e.before} before` : ''}`);
      }
      return report.errors ? EXIT.failure : EXIT.ok;
    });
  },
};
