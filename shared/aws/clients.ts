import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';

/**
 * AWS SDK clients configured for any S3-compatible server.
 * - Path-style addressing: Ceph RGW and MinIO deployments rarely have wildcard DNS for buckets.
 * - Checksums only when required: since SDK 3.729 streaming uploads use aws-chunked CRC32
 *   trailers, which Ceph RGW 16.2 rejects with 411 MissingContentLength.
 * Endpoints come from S3OD_S3_ENDPOINT / S3OD_SQS_ENDPOINT (or the SDK's AWS_ENDPOINT_URL_*);
 * unset means real AWS. Credentials follow the SDK's default chain.
 */
/**
 * The SDK's default HTTP handler waits forever: one request to an overloaded or half-dead S3/SQS
 * endpoint would hold a job (and the dataset's lease) until the function times out. Every request
 * gets a deadline; the SDK's own retries then try again. `throwOnRequestTimeout`: without it,
 * @smithy/node-http-handler only logs a warning when `requestTimeout` passes and keeps waiting
 * (seen in `npm run bench`: a job held for over a minute by one request).
 */
export const AWS_REQUEST_TIMEOUTS = { connectionTimeout: 5_000, requestTimeout: 30_000, throwOnRequestTimeout: true } as const;

/**
 * The SDK builds each command's middleware stack anew on every send unless told to keep it per
 * command class; that rebuild was ~6 % of the functions' CPU in a burst of 200 datasets (every
 * record read and write pays it). The price: middleware added to a client after its first send of
 * a command is not seen until the cache is dropped (`dropMiddlewareCache`; only tests and the
 * benchmark add middleware).
 */
const CACHE_MIDDLEWARE = { cacheMiddleware: true } as const;

/** Makes a client see middleware added after its first requests (see CACHE_MIDDLEWARE). */
export function dropMiddlewareCache(client: S3Client | SQSClient): void {
  delete (client as unknown as { handlers?: unknown }).handlers;
}

export function createS3Client(env: NodeJS.ProcessEnv = process.env): S3Client {
  return s3ClientFor({ region: env.AWS_REGION || 'us-east-1', endpoint: env.S3OD_S3_ENDPOINT || undefined });
}

/** An S3 client for an explicit endpoint and credentials (the local stack, tests, the CLI). */
export function s3ClientFor(opts: { endpoint?: string; region: string; credentials?: { accessKeyId: string; secretAccessKey: string } }): S3Client {
  return new S3Client({
    region: opts.region,
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: AWS_REQUEST_TIMEOUTS,
    ...CACHE_MIDDLEWARE,
  });
}

/**
 * SQS without the SDK's MD5 check of every message body (computed on send and compared with the
 * answer's MD5OfMessageBody): integrity in transit is TLS's job on AWS (and a loopback socket
 * locally), and the hashing cost on-object-event a third of its throughput (fan-in-rgw 3,675 →
 * 5,875 events/s at load ~3 on 2 cores; docs/benchmarks.md).
 */
export function createSqsClient(env: NodeJS.ProcessEnv = process.env): SQSClient {
  const endpoint = env.S3OD_SQS_ENDPOINT || undefined;
  return new SQSClient({
    region: env.AWS_REGION || 'us-east-1',
    ...(endpoint ? { endpoint } : {}),
    requestHandler: AWS_REQUEST_TIMEOUTS,
    md5: false,
    ...CACHE_MIDDLEWARE,
  });
}

let s3: S3Client | undefined;
let sqs: SQSClient | undefined;
/** One client per container: connection reuse across invocations. */
export function sharedS3Client(): S3Client {
  return (s3 ??= createS3Client());
}
export function sharedSqsClient(): SQSClient {
  return (sqs ??= createSqsClient());
}
