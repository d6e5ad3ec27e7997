import type { MiddlewareObj } from '@middy/core';
import sqsPartialBatchFailure from '@middy/sqs-partial-batch-failure';
import type { SQSRecord } from 'aws-lambda';
import type { Logger } from '../../shared/log/index.ts';

const isSqsEvent = (event: unknown): boolean => {
  const records = (event as { Records?: { eventSource?: string }[] })?.Records;
  return Array.isArray(records) && records[0]?.eventSource === 'aws:sqs';
};

/**
 * middy's partial-batch-failure middleware, applied only to SQS events: a function that is also
 * reached over HTTP or directly from S3 must keep its own response for those.
 * The handler returns `Promise.allSettled(records.map(...))`; rejected records are reported in
 * `batchItemFailures` and come back after the visibility timeout (then to the DLQ).
 */
export function sqsBatchFailures(logger: Logger): MiddlewareObj {
  const inner = sqsPartialBatchFailure({
    logger: (reason: unknown, record: SQSRecord) => {
      // Errors that mark themselves `retryLater` (e.g. a dataset busy with another worker) are expected.
      if ((reason as { retryLater?: boolean })?.retryLater) logger.info('record deferred', { messageId: record.messageId, reason: (reason as Error).message });
      else logger.error('record failed', { messageId: record.messageId, error: reason });
    },
  });
  return {
    after: async (request) => (isSqsEvent(request.event) ? inner.after?.(request as never) : undefined),
    onError: async (request) => (isSqsEvent(request.event) ? inner.onError?.(request as never) : undefined),
  };
}
