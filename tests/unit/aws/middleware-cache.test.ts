import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createS3Client, createSqsClient, dropMiddlewareCache } from '../../../shared/aws/clients.ts';

/**
 * Guards CACHE_MIDDLEWARE in shared/aws/clients.ts: the functions' S3 and SQS clients build a
 * command's middleware stack once, not on every send (that rebuild was ~6 % of the functions' CPU
 * in the burst benchmark, and half of fan-in's SDK cost), and `dropMiddlewareCache` makes a client
 * see middleware added later (the benchmark's and the fault tests' request recorders need it).
 */
let server: Server;
let url = '';

beforeAll(async () => {
  // Answers every request with an empty 200 (enough for HEAD, and an empty batch result for SQS).
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const sqs = typeof req.headers['x-amz-target'] === 'string';
      res.writeHead(200, sqs ? { 'content-type': 'application/x-amz-json-1.0' } : {});
      res.end(sqs ? '{"Successful":[],"Failed":[]}' : undefined);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The clients take credentials from the SDK's default chain.
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'test-access-key');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test-secret-key');
});
afterAll(async () => {
  vi.unstubAllEnvs();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});
afterEach(() => vi.restoreAllMocks());

const env = (): NodeJS.ProcessEnv => ({
  AWS_REGION: 'us-east-1',
  S3OD_S3_ENDPOINT: url,
  S3OD_SQS_ENDPOINT: url,
  AWS_ACCESS_KEY_ID: 'a',
  AWS_SECRET_ACCESS_KEY: 'b',
});

describe("the functions' AWS clients", () => {
  it('build an S3 command’s middleware stack once, not on every send', async () => {
    const resolve = vi.spyOn(HeadObjectCommand.prototype, 'resolveMiddleware');
    const s3 = createS3Client(env());
    try {
      for (let i = 0; i < 3; i++) await s3.send(new HeadObjectCommand({ Bucket: 'b', Key: `k${i}` }));
      expect(resolve).toHaveBeenCalledTimes(1);
    } finally {
      s3.destroy();
    }
  });

  it('build an SQS command’s middleware stack once, not on every send', async () => {
    const resolve = vi.spyOn(SendMessageBatchCommand.prototype, 'resolveMiddleware');
    const sqs = createSqsClient(env());
    try {
      for (let i = 0; i < 3; i++) await sqs.send(new SendMessageBatchCommand({ QueueUrl: `${url}/000000000000/q`, Entries: [{ Id: '0', MessageBody: 'x' }] }));
      expect(resolve).toHaveBeenCalledTimes(1);
    } finally {
      sqs.destroy();
    }
  });

  it('see middleware added after their first send once the cache is dropped', async () => {
    const s3 = createS3Client(env());
    try {
      await s3.send(new HeadObjectCommand({ Bucket: 'b', Key: 'before' }));
      const seen: string[] = [];
      s3.middlewareStack.add((next) => async (args) => (seen.push('recorded'), next(args)), { step: 'initialize', name: 'test-recorder' });
      await s3.send(new HeadObjectCommand({ Bucket: 'b', Key: 'cached' }));
      expect(seen).toEqual([]);
      dropMiddlewareCache(s3);
      await s3.send(new HeadObjectCommand({ Bucket: 'b', Key: 'after' }));
      expect(seen).toEqual(['recorded']);
    } finally {
      s3.destroy();
    }
  });
});
