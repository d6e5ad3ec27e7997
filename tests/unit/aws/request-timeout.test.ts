import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_REQUEST_TIMEOUTS } from '../../../shared/aws/clients.ts';

/**
 * The request deadline of every S3/SQS client is real: a server that accepts the request and never
 * answers makes the call fail (then the SDK's retries, then the job's), instead of holding the job
 * and the dataset's lease forever. Guards `throwOnRequestTimeout` in AWS_REQUEST_TIMEOUTS: without
 * it @smithy/node-http-handler only logs a warning and this call never settles (shown: the test
 * then timed out).
 */
let server: Server;
let url = '';
const held: import('node:http').ServerResponse[] = [];

beforeAll(async () => {
  server = createServer((_req, res) => void held.push(res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const r of held) r.destroy();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

describe('AWS request deadline', () => {
  it('a request that gets no answer fails with a timeout', { timeout: 10_000 }, async () => {
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: url,
      forcePathStyle: true,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxAttempts: 1,
      // The production settings with a short deadline, so the test does not wait 30 s.
      requestHandler: { ...AWS_REQUEST_TIMEOUTS, requestTimeout: 300 },
    });
    try {
      const err = await s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' })).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(err).toBeInstanceOf(Error);
      expect(`${err!.name} ${err!.message}`).toMatch(/timeout|timed out/i);
      expect(held.length).toBe(1);
    } finally {
      s3.destroy();
    }
  });
});
