import middy from '@middy/core';
import { log } from '../../shared/log/index.ts';
import { sendJobs } from '../../shared/queue/sqs-sender.ts';
import { reconcile, type ReconcileReport } from '../../shared/reconcile/reconcile.ts';
import { getRuntime } from '../../shared/runtime/index.ts';

/** reconcile: scheduled; enqueues every dataset whose notification was lost or that got stuck. */
const logger = log.child({ fn: 'reconcile' });

export const handler = middy<{ prefix?: string } | undefined, ReconcileReport>().handler(async (event) => {
  const rt = getRuntime();
  return reconcile(
    {
      config: rt.config,
      objects: rt.objects,
      states: rt.states,
      enqueue: async (jobs) => {
        await sendJobs(rt.sqs, rt.queueUrls.provision, jobs);
      },
      enqueueListing: async (job) => {
        await sendJobs(rt.sqs, rt.queueUrls.import, [job]);
      },
      log: logger,
    },
    typeof event?.prefix === 'string' ? event.prefix : undefined,
  );
});
