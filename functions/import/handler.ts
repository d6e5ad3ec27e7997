import middy from '@middy/core';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { processImportJobs } from '../../shared/importing/process.ts';
import { log } from '../../shared/log/index.ts';
import { functionMetrics } from '../../shared/metrics/index.ts';
import type { AnyImportJob } from '../../shared/queue/jobs.ts';
import { getRuntime } from '../../shared/runtime/index.ts';
import { onedataClient } from '../../shared/runtime/onedata.ts';
import { sqsBatchFailures } from '../lib/middleware.ts';

/** import: keeps each space in step with the bucket (registrations, coalesced scans, freezes). */
const logger = log.child({ fn: 'import' });
const metrics = functionMetrics('import', logger);

export const handler = middy<SQSEvent, SQSBatchResponse, Error, Context>()
  .use(sqsBatchFailures(logger))
  .handler(async (event, context) => {
    const startedAt = Date.now();
    const rt = getRuntime();
    const jobs: (AnyImportJob | undefined)[] = event.Records.map((r) => {
      try {
        const job = JSON.parse(r.body) as AnyImportJob;
        return typeof job?.type === 'string' && job.dataset?.id ? job : undefined;
      } catch {
        return undefined;
      }
    });
    const valid = jobs.filter((j): j is AnyImportJob => j !== undefined);
    const results = await processImportJobs(valid, {
      config: rt.config,
      classifier: rt.classifier,
      onedata: onedataClient(rt),
      objects: rt.objects,
      states: rt.states,
      enqueue: async (job, delaySeconds) => {
        await rt.sqs.send(
          new SendMessageCommand({ QueueUrl: rt.queueUrls.import, MessageBody: JSON.stringify(job), ...(delaySeconds ? { DelaySeconds: delaySeconds } : {}) }),
        );
      },
      log: logger,
      remainingMs: () => context?.getRemainingTimeInMillis?.() ?? Infinity,
    });
    metrics.importBatch({ jobs, results, records: event.Records, startedAt });
    let k = 0;
    // Unreadable messages can never succeed: they are logged and acknowledged.
    return Promise.allSettled(
      jobs.map(async (j, i) => {
        if (!j) {
          logger.error('not an import job; dropped', { messageId: event.Records[i]!.messageId });
          return;
        }
        const r = results[k++]!;
        if (!r.ok) throw r.error;
      }),
    ) as never;
  });
