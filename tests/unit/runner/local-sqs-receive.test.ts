import { connect } from 'node:net';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalSqs, type LocalSqs } from '../../../infra/local/runner/sqs-server.ts';

/**
 * Guards the local SQS server's receive (infra/local/runner/local-aws-sqs.cjs): it answers as SQS
 * does, not on local-aws-sqs's own terms (a 10 ms scan tick; every receive held until the batch is
 * full or the wait plus 40 ms has passed). Each case contrasts the two by far more than the
 * machine's noise: the shipped receive takes the whole wait (seconds) or ≥ 40 ms per empty poll.
 */
let sqsServer: LocalSqs;
let sqs: SQSClient;

beforeAll(async () => {
  sqsServer = await startLocalSqs({
    queues: [
      { logicalId: 'Work', name: 'receive-work', visibilityTimeout: 30 },
      { logicalId: 'Pipelined', name: 'receive-pipelined', visibilityTimeout: 30 },
    ],
  });
  sqs = new SQSClient({ endpoint: sqsServer.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});

afterAll(async () => {
  sqs?.destroy();
  await sqsServer?.close();
});

const url = (): string => sqsServer.queueUrl('Work');
const send = (body: string) => sqs.send(new SendMessageCommand({ QueueUrl: url(), MessageBody: body }));

async function timedReceive(waitSeconds: number): Promise<{ bodies: string[]; ms: number }> {
  const started = performance.now();
  const res = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url(), MaxNumberOfMessages: 10, WaitTimeSeconds: waitSeconds }));
  return { bodies: (res.Messages ?? []).map((m) => m.Body ?? ''), ms: performance.now() - started };
}

describe('the local SQS server answers ReceiveMessage as SQS does', () => {
  it('a long poll answers with the one message waiting, not after the wait, though the batch is not full', async () => {
    await send('waiting');
    const { bodies, ms } = await timedReceive(5);
    expect(bodies).toEqual(['waiting']);
    expect(ms).toBeLessThan(2500); // shipped: the whole 5 s wait
  });

  it('a long poll on an empty queue answers as soon as a message is sent', async () => {
    const receiving = timedReceive(5);
    await new Promise((r) => setTimeout(r, 300));
    await send('arrived');
    const { bodies, ms } = await receiving;
    expect(bodies).toEqual(['arrived']);
    expect(ms).toBeLessThan(2500); // shipped: the whole 5 s wait
  });

  it('a short poll of an empty queue answers at once, not after a 40 ms hold', async () => {
    const polls = 25;
    const started = performance.now();
    for (let i = 0; i < polls; i++) expect((await timedReceive(0)).bodies).toEqual([]);
    // Shipped: every poll is held ≥ 40 ms, so 25 polls take ≥ 1,000 ms; here a poll is one request.
    expect(performance.now() - started).toBeLessThan(polls * 40);
  });

  it('a short poll takes every visible message up to the batch size, and each only once', async () => {
    for (let i = 0; i < 12; i++) await send(`m${i}`);
    const first = await timedReceive(0);
    const second = await timedReceive(0);
    expect(first.bodies).toHaveLength(10);
    expect(second.bodies).toHaveLength(2);
    expect(new Set([...first.bodies, ...second.bodies]).size).toBe(12);
    expect((await timedReceive(0)).bodies).toEqual([]);
  });

  // Guards the second fix (a message sent without a delay is not marked delayed): the send and the
  // receive go down one connection in one write (HTTP pipelining), so the server handles both in
  // the same turn of its event loop, before any timer could have run. Shipped, the message was
  // marked delayed until a 0 ms timer cleared the mark, so this receive found the queue empty.
  it('a receive right after a send, in the same turn of the server event loop, gets the message', async () => {
    const url = new URL(sqsServer.queueUrl('Pipelined'));
    const request = (action: string, body: object): string => {
      const json = JSON.stringify({ QueueUrl: url.href, ...body });
      return [
        'POST / HTTP/1.1',
        `Host: ${url.host}`,
        'Content-Type: application/x-amz-json-1.0',
        `X-Amz-Target: AmazonSQS.${action}`,
        `Content-Length: ${Buffer.byteLength(json)}`,
        '',
        json,
      ].join('\r\n');
    };
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(request('SendMessage', { MessageBody: 'pipelined' }) + request('ReceiveMessage', { MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      });
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        text += chunk;
        if ((text.match(/HTTP\/1\.1 /g) ?? []).length === 2 && /"Messages"|\r\n\r\n$|\}$/.test(text)) {
          socket.end();
          resolve(text);
        }
      });
      socket.on('error', reject);
      setTimeout(() => (socket.destroy(), resolve(text)), 3000);
    });
    const responses = raw.split(/(?=HTTP\/1\.1 )/);
    expect(responses).toHaveLength(2);
    expect(responses.every((r) => r.startsWith('HTTP/1.1 200'))).toBe(true);
    expect(responses[1]).toContain('"Body":"pipelined"');
  });
});
