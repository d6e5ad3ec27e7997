import { readFileSync } from 'node:fs';
import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handleHttp } from '../../../functions/on-object-event/handler.ts';
import { resetRuntime } from '../../../shared/runtime/index.ts';
import { TEST_CONFIG_YAML } from '../../helpers/test-config.ts';

/** Guards the webhook's fail-closed rule (shared/events/webhook-auth.ts) at the HTTP entry of on-object-event. */
const sqsMock = mockClient(SQSClient);
const rgwPut = JSON.parse(readFileSync(new URL('../../fixtures/events/rgw-put.json', import.meta.url), 'utf8'));
const env: Record<string, string> = {
  S3OD_CONFIG_YAML: TEST_CONFIG_YAML,
  S3OD_PROVISION_QUEUE_URL: 'https://sqs.local/provision',
  S3OD_IMPORT_QUEUE_URL: 'https://sqs.local/import',
  AWS_REGION: 'eu-central-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test-secret',
};
const saved: Record<string, string | undefined> = {};
const VARS = [...Object.keys(env), 'S3OD_WEBHOOK_TOKEN', 'S3OD_WEBHOOK_TOKEN_PREVIOUS', 'S3OD_INSECURE_LOCAL_NO_AUTH'];

function delivery(opaqueData: string | undefined, headers: Record<string, string> = {}, eventName = 'ObjectCreated:Put'): APIGatewayProxyEventV2 {
  const body = {
    Records: [
      {
        ...rgwPut.Records[0],
        eventName,
        s3: { ...rgwPut.Records[0].s3, bucket: { name: 'facility' }, object: { key: 'datasets/D/SPA.yml', size: 1, eTag: 'e1' } },
        opaqueData,
      },
    ],
  };
  return {
    requestContext: { http: { method: 'POST', sourceIp: '127.0.0.1' } },
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}

describe('on-object-event over HTTP', () => {
  beforeAll(() => {
    for (const k of VARS) saved[k] = process.env[k];
    Object.assign(process.env, env);
  });
  afterAll(() => {
    for (const [k, v] of Object.entries(saved)) v === undefined ? delete process.env[k] : (process.env[k] = v);
    resetRuntime();
  });
  beforeEach(() => {
    delete process.env.S3OD_WEBHOOK_TOKEN;
    delete process.env.S3OD_WEBHOOK_TOKEN_PREVIOUS;
    delete process.env.S3OD_INSECURE_LOCAL_NO_AUTH;
    resetRuntime();
    sqsMock.reset();
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [{ Id: '0', MessageId: 'm', MD5OfMessageBody: '' }], Failed: [] });
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm' });
  });
  const sent = () => sqsMock.commandCalls(SendMessageBatchCommand).length + sqsMock.commandCalls(SendMessageCommand).length;

  it('refuses every delivery when no webhook token is configured, even one with an empty opaqueData or Bearer', async () => {
    for (const ev of [delivery(undefined), delivery(''), delivery(undefined, { authorization: 'Bearer ' })]) {
      expect((await handleHttp(ev)).statusCode).toBe(401);
    }
    expect(sent()).toBe(0);
  });

  it('with no token configured, refuses before reading anything: no 415, no 400 that echoes the body', async () => {
    // Guards the fail-closed check at the top of handleHttp (docs/security.md: every delivery is
    // answered 401). Without it, a text body got 415 and a malformed one 400 with its key echoed.
    const malformed = { ...delivery(undefined), body: '{"Records":[{"eventSource":"ceph:s3","s3":{"object":{"key":"%zz-probe"}}}]}' };
    expect(await handleHttp(malformed)).toMatchObject({ statusCode: 401, body: JSON.stringify({ error: 'unauthorized' }) });
    expect((await handleHttp(delivery(undefined, { 'content-type': 'text/plain' }))).statusCode).toBe(401);
    expect(sent()).toBe(0);
  });

  it('refuses a body that is not declared JSON before reading it, token or not', async () => {
    process.env.S3OD_WEBHOOK_TOKEN = 'webhook-secret-1234';
    for (const ct of ['text/plain', 'application/x-www-form-urlencoded']) {
      expect((await handleHttp(delivery('webhook-secret-1234', { 'content-type': ct }))).statusCode).toBe(415);
    }
    expect(sent()).toBe(0);
  });

  it('accepts the configured token, and accepts without one only under the local-only setting', async () => {
    process.env.S3OD_WEBHOOK_TOKEN = 'webhook-secret-1234';
    expect((await handleHttp(delivery('webhook-secret-1234'))).statusCode).toBe(202);
    expect((await handleHttp(delivery('wrong'))).statusCode).toBe(401);
    delete process.env.S3OD_WEBHOOK_TOKEN;
    process.env.S3OD_INSECURE_LOCAL_NO_AUTH = 'true';
    expect((await handleHttp(delivery(undefined))).statusCode).toBe(202);
    expect(sent()).toBe(2);
  });

  it('during a rotation accepts the previous token too (RGW keeps it in the notification and its queued events), and only beside a current one', async () => {
    // Guards EndpointAuth.previous (S3OD_WEBHOOK_TOKEN_PREVIOUS): without it, every event RGW had
    // queued with the old token was refused for good after the new one was deployed.
    process.env.S3OD_WEBHOOK_TOKEN = 'webhook-secret-new';
    process.env.S3OD_WEBHOOK_TOKEN_PREVIOUS = 'webhook-secret-old';
    expect((await handleHttp(delivery('webhook-secret-old'))).statusCode).toBe(202);
    expect((await handleHttp(delivery('webhook-secret-new'))).statusCode).toBe(202);
    expect((await handleHttp(delivery(undefined, { authorization: 'Bearer webhook-secret-old' }))).statusCode).toBe(202);
    expect((await handleHttp(delivery('webhook-secret-older'))).statusCode).toBe(401);
    delete process.env.S3OD_WEBHOOK_TOKEN;
    expect((await handleHttp(delivery('webhook-secret-old'))).statusCode).toBe(401);
    expect(sent()).toBe(3);
  });

  it('authenticates a delivery of only records it ignores (ObjectSynced, ObjectLifecycle) by their opaqueData: 202 with nothing queued', async () => {
    // Guards readNotification's opaqueData of dropped records: before, such a delivery had no
    // token left to check and got 401, which a persistent RGW topic retries forever.
    process.env.S3OD_WEBHOOK_TOKEN = 'webhook-secret-1234';
    for (const name of ['ObjectSynced:Create', 'ObjectLifecycle:Expiration:Current']) {
      expect((await handleHttp(delivery('webhook-secret-1234', {}, name))).statusCode).toBe(202);
      expect((await handleHttp(delivery('wrong', {}, name))).statusCode).toBe(401);
    }
    expect(sent()).toBe(0);
  });

  it("takes the Bearer scheme in any case, as HTTP's auth schemes are", async () => {
    process.env.S3OD_WEBHOOK_TOKEN = 'webhook-secret-1234';
    expect((await handleHttp(delivery(undefined, { authorization: 'bearer webhook-secret-1234' }))).statusCode).toBe(202);
    expect((await handleHttp(delivery(undefined, { authorization: 'BEARER webhook-secret-1234' }))).statusCode).toBe(202);
    expect((await handleHttp(delivery(undefined, { authorization: 'Basic webhook-secret-1234' }))).statusCode).toBe(401);
  });
});
