import { createLogger } from '../../shared/log/index.ts';
import { SqsEventSourceMapping } from '../../infra/local/runner/sqs-event-source.ts';
import { benchSqsClient, extraInFlight, type BenchContext } from './context.ts';

/**
 * Runs `body` with the stack's SQS event sources replaced by mappings of the given concurrency
 * per function (batches processed at once; Lambda scales pollers out, the local runner runs a
 * fixed number). Functions not named keep `fallback`. The stack's own mappings are resumed after.
 */
export async function withEventSourceConcurrency<T>(
  ctx: BenchContext,
  concurrency: Record<string, number>,
  fallback: number,
  body: () => Promise<T>,
): Promise<T> {
  const { stack } = ctx;
  await stack.pauseEventSources();
  const sqs = benchSqsClient(ctx.info);
  const mine: SqsEventSourceMapping[] = [];
  const log = createLogger({ app: 's3od-bench-event-source' });
  try {
    for (const fn of stack.host.functions) {
      for (const t of fn.triggers) {
        if (t.type !== 'sqs') continue;
        const m = new SqsEventSourceMapping(
          sqs,
          stack.host,
          {
            functionName: fn.name,
            queueUrl: stack.sqs.queueUrl(t.queueLogicalId),
            queueArn: stack.sqs.queueArn(t.queueLogicalId),
            region: ctx.info.region,
            batchSize: t.batchSize,
            reportBatchItemFailures: t.reportBatchItemFailures,
            concurrency: concurrency[fn.name] ?? fallback,
          },
          log,
        );
        mine.push(m);
        extraInFlight.add(m);
        m.start();
      }
    }
    return await body();
  } finally {
    await Promise.all(mine.map((m) => m.stop()));
    for (const m of mine) extraInFlight.delete(m);
    sqs.destroy();
    stack.resumeEventSources();
  }
}
