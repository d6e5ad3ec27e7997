/**
 * The local SQS server's own process (forked by sqs-server.ts). SQS is a service of its own in
 * every real deployment: running the emulator beside the functions would make them pay for the
 * queue's work on their event loop, which no Lambda or OpenFaaS container does (and the benchmarks
 * would measure the emulator, not s3od).
 *
 * Parent → child: the options of createSqsServer as JSON in argv[2]; the message 'close'.
 * Child → parent: { type: 'ready', port } or { type: 'failed', message }, then, once per turn of the
 * event loop with accepted sends, { type: 'sent', sends: { <queue name>: <messages> } } (the key ''
 * when a send's queue could not be read), which wakes that queue's local event sources
 * (sqs-activity.ts). The child exits when the parent goes away (IPC disconnect).
 */
import { setImmediate } from 'node:timers';
// local-aws-sqs with its receive fixed to answer as SQS does (local-aws-sqs.cjs).
import localAwsSqs from './local-aws-sqs.cjs';

const { createSqsServer } = localAwsSqs;

const options = JSON.parse(process.argv[2] ?? '{}');
let signalScheduled = false;
/** Messages accepted since the last signal, by queue name. */
const pending = new Map();

function signalSent(queue, messages) {
  pending.set(queue, (pending.get(queue) ?? 0) + messages);
  if (signalScheduled) return;
  signalScheduled = true;
  setImmediate(() => {
    signalScheduled = false;
    const sends = Object.fromEntries(pending);
    pending.clear();
    if (process.connected) process.send({ type: 'sent', sends });
  });
}

/** The queue and the number of messages of an accepted send, from its JSON body (SQS's JSON protocol, the SDK's). */
function sendOf(body) {
  try {
    const input = JSON.parse(body);
    const queue =
      String(input.QueueUrl ?? '')
        .split('/')
        .pop() ?? '';
    return { queue, messages: Array.isArray(input.Entries) ? input.Entries.length : 1 };
  } catch {
    return { queue: '', messages: 1 };
  }
}

try {
  const server = await createSqsServer(options);
  // The SDK speaks SQS's JSON protocol: the action is in X-Amz-Target. The body is read beside the
  // emulator's own reading of it (both listen for its data) for the queue and the message count.
  server.on('request', (req, res) => {
    const target = req.headers['x-amz-target'];
    if (typeof target !== 'string' || !/\.SendMessage(Batch)?$/.test(target)) return;
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    res.once('finish', () => {
      if (res.statusCode !== 200) return;
      const { queue, messages } = sendOf(Buffer.concat(chunks).toString('utf8'));
      signalSent(queue, messages);
    });
  });
  const stop = () => {
    server.closeAllConnections?.();
    server.close(() => process.exit(0));
  };
  process.on('message', (m) => m === 'close' && stop());
  process.on('disconnect', () => process.exit(0));
  process.send({ type: 'ready', port: server.address().port });
} catch (e) {
  process.send({ type: 'failed', message: e instanceof Error ? e.message : String(e) });
  process.exit(1);
}
