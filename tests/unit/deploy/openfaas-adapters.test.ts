import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, SQSEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildOpenFaas } from '../../../infra/openfaas/build.ts';
import { createWebhookHandler } from '../../../infra/openfaas/handlers/on-object-event.ts';
import { createInvokeHandler, createQueueFedHandler } from '../../../infra/openfaas/handlers/queue-fed.ts';
import { bodyText, loadSecretFiles, parseGoDuration, type OpenFaasContext, type OpenFaasEvent } from '../../../infra/openfaas/handlers/template.ts';
import { setLogSink, type LogSink } from '../../../shared/log/index.ts';

/** A context that behaves like the node20 template's FunctionContext (status defaults to 200). */
function fakeContext() {
  const out = { status: 200, headers: {} as Record<string, string>, body: undefined as unknown, calls: 0 };
  const ctx: OpenFaasContext = {
    status(code?: number) {
      if (!code) return out.status;
      out.status = code;
      return ctx;
    },
    headers(v?: Record<string, string>) {
      if (!v) return out.headers;
      out.headers = v;
      return ctx;
    },
    succeed(v?: unknown) {
      out.calls++;
      out.body = v;
    },
    fail(v?: unknown) {
      out.calls++;
      out.body = v;
    },
  };
  return { ctx, out };
}

const ev = (over: Partial<OpenFaasEvent>): OpenFaasEvent => ({ body: {}, headers: {}, method: 'POST', query: {}, path: '/', ...over });
const TOKEN = 'unit-test-webhook-token-0123';
const JOBS_TOKEN = 'unit-test-jobs-token-4567';

let prevSink: LogSink;
const logs: string[] = [];
beforeEach(() => {
  prevSink = setLogSink((l) => logs.push(l));
  process.env.S3OD_WEBHOOK_TOKEN = TOKEN;
  process.env.S3OD_JOBS_TOKEN = JOBS_TOKEN;
  process.env.S3OD_SECRETS_DIR = join(tmpdir(), 'does-not-exist-s3od');
});
afterEach(() => {
  setLogSink(prevSink);
  delete process.env.S3OD_WEBHOOK_TOKEN;
  delete process.env.S3OD_JOBS_TOKEN;
  delete process.env.S3OD_INSECURE_LOCAL_NO_AUTH;
  delete process.env.exec_timeout;
});

describe('on-object-event on OpenFaaS', () => {
  it('answers HEAD and GET probes with 200 without running the core', async () => {
    let called = 0;
    const h = createWebhookHandler(async () => {
      called++;
      return { statusCode: 202 };
    });
    for (const method of ['HEAD', 'GET']) {
      const { ctx, out } = fakeContext();
      await h(ev({ method }), ctx);
      expect(out).toMatchObject({ status: 200, body: '', calls: 1 });
    }
    expect(called).toBe(0);
  });

  it('hands the core an API Gateway v2 event with the body as sent and lower-cased headers', async () => {
    const seen: APIGatewayProxyEventV2[] = [];
    const h = createWebhookHandler(async (e) => {
      seen.push(e);
      return { statusCode: 202, headers: { 'content-type': 'application/json' }, body: '{"events":1}' };
    });
    const body = '{"Records":[]}';
    for (const b of [Buffer.from(body), body, JSON.parse(body)]) {
      const { ctx, out } = fakeContext();
      await h(ev({ body: b, headers: { Authorization: `Bearer ${TOKEN}`, 'X-Forwarded-For': '192.0.2.1, 10.0.0.1' } }), ctx);
      expect(out).toMatchObject({ status: 202, body: '{"events":1}' });
    }
    expect(seen.map((e) => e.body)).toEqual([body, body, body]);
    expect(seen[0]).toMatchObject({
      headers: { authorization: `Bearer ${TOKEN}` },
      requestContext: { http: { method: 'POST', sourceIp: '192.0.2.1' } },
      isBase64Encoded: false,
    });
  });

  it("answers 500 (not the template's default 200) when the jobs cannot be enqueued, so the sender retries", async () => {
    const h = createWebhookHandler(async () => {
      throw new Error('queue unreachable');
    });
    const { ctx, out } = fakeContext();
    await h(ev({ body: Buffer.from('{}') }), ctx);
    expect(out.status).toBe(500);
  });
});

describe('SQS-fed functions on OpenFaaS', () => {
  const sqsEvent: SQSEvent = {
    Records: [
      {
        messageId: 'm1',
        receiptHandle: 'rh1',
        body: '{"type":"provision"}',
        attributes: {} as never,
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn',
        awsRegion: 'r',
      },
    ],
  };
  const auth = { authorization: `Bearer ${JOBS_TOKEN}`, 'content-type': 'application/json' };

  // Guards isAuthorizedJobCall / isJsonContentType in the queue-fed handler (shared/events/webhook-auth.ts).
  it('requires the jobs token (never the webhook token) and a JSON body; probes are 200', async () => {
    let ran = 0;
    const h = createQueueFedHandler(
      'provision',
      async () => {
        ran++;
        return { batchItemFailures: [] };
      },
      1000,
    );
    for (const [e, status] of [
      [ev({ body: JSON.stringify(sqsEvent) }), 401],
      [ev({ body: JSON.stringify(sqsEvent), headers: { authorization: 'Bearer wrong', 'content-type': 'application/json' } }), 401],
      // The webhook token rides in every RGW notification record: it must not post jobs.
      [ev({ body: JSON.stringify(sqsEvent), headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } }), 401],
      // A browser posts text/plain cross-site without a preflight.
      [ev({ body: JSON.stringify(sqsEvent), headers: { authorization: `Bearer ${JOBS_TOKEN}`, 'content-type': 'text/plain' } }), 415],
      [ev({ method: 'HEAD' }), 200],
      [ev({ body: Buffer.from('not json'), headers: auth }), 400],
      [ev({ body: Buffer.from('{"x":1}'), headers: auth }), 400],
    ] as const) {
      const { ctx, out } = fakeContext();
      await h(e, ctx);
      expect(out.status).toBe(status);
    }
    expect(ran).toBe(0);
  });

  it('fails closed when no jobs token is configured, unless the local-only setting says otherwise', async () => {
    delete process.env.S3OD_JOBS_TOKEN;
    const h = createQueueFedHandler('provision', async () => ({ batchItemFailures: [] }), 1000);
    const { ctx, out } = fakeContext();
    await h(ev({ body: JSON.stringify(sqsEvent), headers: { 'content-type': 'application/json' } }), ctx);
    expect(out.status).toBe(401);
    process.env.S3OD_INSECURE_LOCAL_NO_AUTH = 'true';
    const second = fakeContext();
    await h(ev({ body: JSON.stringify(sqsEvent), headers: { 'content-type': 'application/json' } }), second.ctx);
    expect(second.out.status).toBe(200);
  });

  it('passes an SQS batch through to the Lambda handler and returns its batch item failures', async () => {
    const seen: SQSEvent[] = [];
    process.env.exec_timeout = '2m';
    let remaining = 0;
    const h = createQueueFedHandler(
      'provision',
      async (e, c) => {
        seen.push(e);
        remaining = c.getRemainingTimeInMillis();
        return { batchItemFailures: [{ itemIdentifier: 'm1' }] };
      },
      1000,
    );
    const { ctx, out } = fakeContext();
    await h(ev({ body: Buffer.from(JSON.stringify(sqsEvent)), headers: auth }), ctx);
    expect(seen[0]).toEqual(sqsEvent);
    expect(out).toMatchObject({ status: 200, body: { batchItemFailures: [{ itemIdentifier: 'm1' }] } });
    expect(remaining).toBeGreaterThan(115_000);
    expect(remaining).toBeLessThanOrEqual(120_000);
  });

  it('runs a bare job as a one-record batch: 200 when done, 500 when it failed (no queue retries it)', async () => {
    let fail = false;
    const seen: SQSEvent[] = [];
    const h = createQueueFedHandler(
      'provision',
      async (e) => {
        seen.push(e);
        return { batchItemFailures: fail ? [{ itemIdentifier: e.Records[0]!.messageId }] : [] };
      },
      1000,
    );
    const job = { type: 'provision', dataset: { id: 'x' } };
    const a = fakeContext();
    await h(ev({ body: Buffer.from(JSON.stringify(job)), headers: auth }), a.ctx);
    expect(a.out.status).toBe(200);
    expect(JSON.parse(seen[0]!.Records[0]!.body)).toEqual(job);
    expect(seen[0]!.Records[0]).toMatchObject({ eventSource: 'aws:sqs', attributes: { ApproximateReceiveCount: '1' } });
    fail = true;
    const b = fakeContext();
    await h(ev({ body: Buffer.from(JSON.stringify(job)), headers: auth }), b.ctx);
    expect(b.out.status).toBe(500);
  });

  it('answers 500 when the handler throws (the whole batch comes back)', async () => {
    const h = createQueueFedHandler(
      'import',
      async () => {
        throw new Error('boom');
      },
      1000,
    );
    const { ctx, out } = fakeContext();
    await h(ev({ body: JSON.stringify(sqsEvent), headers: auth }), ctx);
    expect(out.status).toBe(500);
  });

  it('reconcile: authenticated POST with an optional JSON object body', async () => {
    const seen: unknown[] = [];
    const h = createInvokeHandler(
      'reconcile',
      async (e) => {
        seen.push(e);
        return { folders: 1 };
      },
      1000,
    );
    const a = fakeContext();
    await h(ev({ body: {}, headers: auth }), a.ctx);
    const b = fakeContext();
    await h(ev({ body: Buffer.from('{"prefix":"datasets/Run 1"}'), headers: auth }), b.ctx);
    const c = fakeContext();
    await h(ev({ body: {} }), c.ctx);
    expect([a.out.status, b.out.status, c.out.status]).toEqual([200, 200, 401]);
    expect(seen).toEqual([{}, { prefix: 'datasets/Run 1' }]);
    expect(a.out.body).toEqual({ folders: 1 });
  });
});

describe('template helpers', () => {
  it('reads secrets mounted as files into the environment, without overriding what is set', () => {
    const dir = mkdtempSync(join(tmpdir(), 's3od-secrets-'));
    try {
      writeFileSync(join(dir, 's3od-onezone-token'), 'onezone-token-from-file-123\n');
      writeFileSync(join(dir, 's3od-webhook-token'), 'webhook-from-file-456');
      writeFileSync(join(dir, 'unrelated'), 'x');
      const env: NodeJS.ProcessEnv = { S3OD_WEBHOOK_TOKEN: 'already-set' };
      expect(loadSecretFiles(env, dir)).toEqual(['S3OD_ONEZONE_TOKEN']);
      expect(env).toEqual({ S3OD_WEBHOOK_TOKEN: 'already-set', S3OD_ONEZONE_TOKEN: 'onezone-token-from-file-123' });
      expect(loadSecretFiles({}, join(dir, 'missing'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("parses the watchdog's Go durations and the template's body shapes", () => {
    expect(parseGoDuration('180s', 1)).toBe(180_000);
    expect(parseGoDuration('1m30s', 1)).toBe(90_000);
    expect(parseGoDuration('1500ms', 1)).toBe(1500);
    expect(parseGoDuration('soon', 7)).toBe(7);
    expect(parseGoDuration(undefined, 7)).toBe(7);
    expect(bodyText({})).toBe('');
    expect(bodyText(Buffer.from('a'))).toBe('a');
    expect(bodyText({ a: 1 })).toBe('{"a":1}');
  });
});

describe('the OpenFaaS build', () => {
  const out = mkdtempSync(join(tmpdir(), 's3od-openfaas-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('writes, per function, a CommonJS handler.js that is the template handler function', { timeout: 60_000 }, async () => {
    const built = await buildOpenFaas(out, { sourcemap: false, worker: false });
    expect(built.map((b) => b.name)).toEqual(['on-object-event', 'provision', 'import', 'reconcile', 'lifecycle']);
    // What the template's index.js does: require('./function/handler'), then handler(event, context).
    const script = `
      const results = [];
      for (const fn of ['on-object-event', 'provision', 'import', 'reconcile', 'lifecycle']) {
        const handler = require(require('path').join(process.argv[1], fn, 'handler.js'));
        if (typeof handler !== 'function') throw new Error(fn + ' is not a function');
        const ctx = { s: 200, status(c) { if (!c) return this.s; this.s = c; return this; }, headers(h) { return h ? this : {}; }, succeed(v) { results.push([fn, this.s, v]); }, fail(e) { results.push([fn, 'fail', String(e)]); } };
        handler({ body: {}, headers: {}, method: 'HEAD', query: {}, path: '/' }, ctx);
      }
      setTimeout(() => console.log(JSON.stringify(results)), 50);`;
    const stdout = execFileSync(process.execPath, ['-e', script, out], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', S3OD_SECRETS_DIR: out } });
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual([
      ['on-object-event', 200, ''],
      ['provision', 200, ''],
      ['import', 200, ''],
      ['reconcile', 200, ''],
      ['lifecycle', 200, ''],
    ]);
  });
});
