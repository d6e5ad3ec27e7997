import middy from '@middy/core';
import { requireDaregToken } from '../../shared/config/index.ts';
import { runLifecyclePass, type LifecycleReport } from '../../shared/lifecycle/lifecycle-pass.ts';
import { log } from '../../shared/log/index.ts';
import { getRuntime } from '../../shared/runtime/index.ts';
import { onedataClient, onedataProviders } from '../../shared/runtime/onedata.ts';
import { runtimeMailer } from '../../shared/runtime/mail.ts';
import { lifecycleMailHook } from '../../shared/notifications/lifecycle-mail.ts';

/**
 * lifecycle: scheduled (EventBridge rule on AWS, the queue worker's schedule on OpenFaaS, the
 * local runner's timer); one pass over the provisioned datasets: replication progress, expiry at
 * the facility in the safe order (docs/lifecycle.md). `{prefix}` limits it to some folders.
 */
const logger = log.child({ fn: 'lifecycle' });

export const handler = middy<{ prefix?: string } | undefined, LifecycleReport>().handler(async (event) => {
  const rt = getRuntime();
  requireDaregToken(rt.config);
  const mailer = runtimeMailer(rt);
  const mail = mailer ? lifecycleMailHook({ mailer, email: rt.config.messaging.email, log: logger, config: rt.config, objects: rt.objects }) : undefined;
  return runLifecyclePass(
    {
      config: rt.config,
      secrets: rt.secrets(),
      objects: rt.objects,
      states: rt.states,
      onedata: onedataClient(rt),
      providers: onedataProviders(rt),
      log: logger,
      now: () => new Date(),
      ...(mailer ? { mailer } : {}),
      // Each event is a log line an alert can match, and mail when email is enabled (docs/notifications.md).
      notify: async (e, lease) => {
        logger.info('lifecycle event', { ...e });
        await mail?.(e, lease);
      },
    },
    typeof event?.prefix === 'string' ? event.prefix : undefined,
  );
});
