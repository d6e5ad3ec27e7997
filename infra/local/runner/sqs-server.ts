import { fileURLToPath } from 'node:url';
import { startChildService } from '../child-service.ts';
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
  /** The server's own process (see startLocalSqs). */
  pid: number;
  close(): Promise<void>;
}

const CHILD = fileURLToPath(new URL('./sqs-server-child.mjs', import.meta.url));

/**
 * Starts local-aws-sqs (both SQS protocols) on 127.0.0.1 with the queues serverless.yml declares,
 * including dead-letter queues and redrive policies, so failure handling matches AWS.
 * `maxVisibilityTimeout` shortens long visibility timeouts locally, so a crashed job comes back
 * in seconds rather than minutes (tests of redelivery depend on it).
 * The server runs in a process of its own (sqs-server-child.mjs), as SQS is a service of its own:
 * the functions' event loop does not carry the queue's work. Every accepted send is signalled
 * back here for the local event sources (sqs-activity.ts).
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
  const serverOptions = {
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
  };
  const service = await startChildService<{ type: 'ready'; port: number }>('local SQS server', CHILD, {
    args: [JSON.stringify(serverOptions)],
    onMessage: (m) => notifyQueueSend((m as { sends?: Record<string, number> }).sends ?? { '': 1 }),
  });
  const { port } = service.ready;
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    region,
    queues: opts.queues,
    pid: service.child.pid!,
    queueUrl: (logicalId) => `${endpoint}/${LOCAL_ACCOUNT_ID}/${byId.get(logicalId)?.name ?? logicalId}`,
    queueArn: arn,
    close: () => service.stop(() => service.child.send('close')),
  };
}
