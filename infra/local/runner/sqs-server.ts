import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSqsServer } from 'local-aws-sqs';
import type { QueueDef } from './serverless-file.ts';
import { notifyQueueSend } from './sqs-activity.ts';

export const LOCAL_ACCOUNT_ID = '000000000000';

export interface LocalSqs {
  endpoint: string;
  region: string;
  /** Queue URL by CloudFormation logical id (e.g. ProvisionQueue). */
  queueUrl(logicalId: string): string;
  queueArn(logicalId: string): string;
  queues: QueueDef[];
  close(): Promise<void>;
}

/**
 * Starts local-aws-sqs (both SQS protocols) on 127.0.0.1 with the queues serverless.yml declares,
 * including dead-letter queues and redrive policies, so failure handling matches AWS.
 * `maxVisibilityTimeout` shortens long visibility timeouts locally, so a crashed job comes back
 * in seconds rather than minutes (tests of redelivery depend on it).
 */
export async function startLocalSqs(opts: { port?: number; region?: string; queues: QueueDef[]; maxVisibilityTimeout?: number }): Promise<LocalSqs> {
  const region = opts.region ?? 'us-east-1';
  const byId = new Map(opts.queues.map((q) => [q.logicalId, q]));
  const arn = (logicalId: string): string => {
    const q = byId.get(logicalId);
    if (!q) throw new Error(`serverless.yml declares no queue ${logicalId}`);
    return `arn:aws:sqs:${region}:${LOCAL_ACCOUNT_ID}:${q.name}`;
  };
  // Dead-letter queues first: a redrive policy may only point at an existing queue.
  const ordered = [...opts.queues].sort((a, b) => Number(Boolean(a.redrive)) - Number(Boolean(b.redrive)));
  const server: Server = await createSqsServer({
    port: opts.port ?? 0,
    hostname: '127.0.0.1',
    region,
    accountId: LOCAL_ACCOUNT_ID,
    queues: ordered.map((q) => {
      const Attributes: Record<string, string> = {};
      if (q.visibilityTimeout !== undefined) {
        Attributes.VisibilityTimeout = String(Math.min(q.visibilityTimeout, opts.maxVisibilityTimeout ?? Infinity));
      }
      if (q.redrive) {
        Attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: arn(q.redrive.deadLetterLogicalId), maxReceiveCount: q.redrive.maxReceiveCount });
      }
      return { QueueName: q.name, Attributes };
    }),
  } as never);
  // The SDK speaks SQS's JSON protocol: the action is in X-Amz-Target, so the body is not touched.
  server.on('request', (req, res) => {
    const target = req.headers['x-amz-target'];
    if (typeof target === 'string' && /\.SendMessage(Batch)?$/.test(target)) res.once('finish', notifyQueueSend);
  });
  const port = (server.address() as AddressInfo).port;
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    region,
    queues: opts.queues,
    queueUrl: (logicalId) => `${endpoint}/${LOCAL_ACCOUNT_ID}/${byId.get(logicalId)?.name ?? logicalId}`,
    queueArn: arn,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
