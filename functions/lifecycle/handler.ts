import middy from '@middy/core';
import { runLifecyclePass, type LifecycleReport } from '../../shared/lifecycle/lifecycle-pass.ts';
import { log } from '../../shared/log/index.ts';
import { getRuntime } from '../../shared/runtime/index.ts';
import { onedataClient, onedataProviders } from '../../shared/runtime/onedata.ts';

/**
 * lifecycle: scheduled (EventBridge rule on AWS, the queue worker's schedule on OpenFaaS, the
 * local runner's timer); one pass over the provisioned datasets: replication progress, expiry at
 * the facility in the safe order (docs/lifecycle.md). `{prefix}` limits it to some folders.
 */
const logger = log.child({ fn: 'lifecycle' });

export const handler = middy<{ prefix?: string } | undefined, LifecycleReport>().handler(async (event) => {
  const rt = getRuntime();
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
      // Reminders and expiry notices go out through the people issue's notifications once they
      // exist; until then they are log lines an alert can match.
      notify: async (e) => logger.info('lifecycle event', { ...e }),
    },
    typeof event?.prefix === 'string' ? event.prefix : undefined,
  );
});
