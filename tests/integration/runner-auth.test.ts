import { describe, expect, it } from 'vitest';
import { stackInfo } from '../helpers/stack-client.ts';

/**
 * Guards the local runner's job endpoints (infra/local/runner/http-gateway.ts): a job for
 * provision or import, or an invocation of reconcile, needs the jobs token and a JSON body. A
 * forged job must not reach the functions, and a web page (text/plain, no credential) must not
 * either. The bodies are well-formed jobs, so a 200 would mean the function ran them.
 */
const info = stackInfo();
const forgedImport = {
  Records: [
    {
      messageId: 'forged',
      receiptHandle: '',
      body: JSON.stringify({
        type: 'import-listing',
        dataset: { bucket: info.bucket, base: 'datasets', name: 'X', prefix: 'datasets/X', id: 'x' },
        dedupKey: 'd',
        correlationId: 'c',
      }),
      attributes: { ApproximateReceiveCount: '1' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn',
      awsRegion: info.region,
    },
  ],
};

describe('the local runner authenticates job endpoints', () => {
  const post = (path: string, headers: Record<string, string>, body: string) => fetch(`${info.functionsUrl}${path}`, { method: 'POST', headers, body });

  it.each(['/function/import', '/function/provision', '/2015-03-31/functions/import/invocations', '/2015-03-31/functions/reconcile/invocations'])(
    '%s refuses a call without the jobs token',
    async (path) => {
      const body = JSON.stringify(forgedImport);
      expect((await post(path, { 'content-type': 'application/json' }, body)).status).toBe(401);
      expect((await post(path, { 'content-type': 'application/json', authorization: `Bearer ${info.webhookToken}` }, body)).status).toBe(401);
      // What a web page can send cross-site without a preflight.
      expect((await post(path, { 'content-type': 'text/plain' }, body)).status).toBe(401);
      expect((await post(path, { 'content-type': 'text/plain', authorization: `Bearer ${info.jobsToken}` }, body)).status).toBe(415);
    },
  );

  it('accepts a JSON call with the jobs token', async () => {
    const res = await post(
      '/2015-03-31/functions/reconcile/invocations',
      { 'content-type': 'application/json', authorization: `Bearer ${info.jobsToken}` },
      JSON.stringify({ prefix: 'no-such-prefix/' }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('x-amz-function-error')).toBeNull();
  });
});
