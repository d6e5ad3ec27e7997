import middy from '@middy/core';
import { ChangeMessageVisibilityCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { requireDaregToken } from '../../shared/config/index.ts';
import { log } from '../../shared/log/index.ts';
import { functionMetrics } from '../../shared/metrics/index.ts';
import { DatasetBusyError } from '../../shared/provisioning/errors.ts';
import { CRASH_AFTER_STEP_ENV, crashAfterStepHook } from '../../shared/provisioning/fault-hook.ts';
import { provisionDataset } from '../../shared/provisioning/provision-dataset.ts';
import type { ProvisionJob } from '../../shared/queue/jobs.ts';
import { sendJobs } from '../../shared/queue/sqs-sender.ts';
import { getRuntime } from '../../shared/runtime/index.ts';
import { onedataClient, onedataProviders } from '../../shared/runtime/onedata.ts';
import { runtimeMailer } from '../../shared/runtime/mail.ts';
import { sqsBatchFailures } from '../lib/middleware.ts';

/** provision: one provision job per record; runs the dataset's provisioning saga. */
const logger = log.child({ fn: 'provision' });
const metrics = functionMetrics('provision', logger);

async function handleRecord(record: SQSRecord): Promise<void> {
  const rt = getRuntime();
  requireDaregToken(rt.config);
  const job = JSON.parse(record.body) as ProvisionJob;
  if (job?.type !== 'provision' || !job.dataset?.id) {
    logger.error('not a provision job; dropped', { messageId: record.messageId });
    return;
  }
  const startedAt = Date.now();
  try {
    const outcome = await provisionDataset(
      job,
      {
        config: rt.config,
        secrets: rt.secrets(),
        onedata: onedataClient(rt),
        providers: onedataProviders(rt),
        objects: rt.objects,
        states: rt.states,
        enqueueListing: async (listing) => {
          await sendJobs(rt.sqs, rt.queueUrls.import, [listing]);
        },
        log: metrics.instrument(logger),
        mailer: runtimeMailer(rt),
        // Read per job: the fault suite turns the knob while the function runs.
        crashAfterStep: crashAfterStepHook(process.env[CRASH_AFTER_STEP_ENV]),
      },
      { receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? 1) },
    );
    logger.info('provision job done', { dataset: job.dataset.prefix, outcome, correlationId: job.correlationId });
    metrics.provisionJob({ job, record, startedAt, outcome });
  } catch (e) {
    metrics.provisionJob({ job, record, startedAt, error: e });
    if (e instanceof DatasetBusyError) {
      await rt.sqs
        .send(
          new ChangeMessageVisibilityCommand({ QueueUrl: rt.queueUrls.provision, ReceiptHandle: record.receiptHandle, VisibilityTimeout: e.retryAfterSeconds }),
        )
        .catch(() => undefined);
    }
    throw e;
  }
}

export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(sqsBatchFailures(logger))
  .handler(async (event) => Promise.allSettled(event.Records.map(handleRecord)) as never);
