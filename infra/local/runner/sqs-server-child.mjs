/**
 * The local SQS server's own process (forked by sqs-server.ts). SQS is a service of its own in
 * every real deployment: running the emulator beside the functions would make them pay for the
 * queue's work on their event loop, which no Lambda or OpenFaaS container does (and the benchmarks
 * would measure the emulator, not s3od).
 *
 * Parent → child: the options of createSqsServer as JSON in argv[2]; the message 'close'.
 * Child → parent: { type: 'ready', port } or { type: 'failed', message }, then { type: 'sent' } after
 * every accepted SendMessage(Batch) (coalesced per turn of the event loop), which wakes the local
 * event sources (sqs-activity.ts). The child exits when the parent goes away (IPC disconnect).
 */
import { setImmediate } from 'node:timers';
// local-aws-sqs with its receive fixed to answer as SQS does (local-aws-sqs.cjs).
import localAwsSqs from './local-aws-sqs.cjs';

const { createSqsServer } = localAwsSqs;

const options = JSON.parse(process.argv[2] ?? '{}');
let signalScheduled = false;

function signalSent() {
  if (signalScheduled) return;
  signalScheduled = true;
  setImmediate(() => {
    signalScheduled = false;
    if (process.connected) process.send({ type: 'sent' });
  });
}

try {
  const server = await createSqsServer(options);
  // The SDK speaks SQS's JSON protocol: the action is in X-Amz-Target, so the body is not touched.
  server.on('request', (req, res) => {
    const target = req.headers['x-amz-target'];
    if (typeof target === 'string' && /\.SendMessage(Batch)?$/.test(target)) res.once('finish', signalSent);
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
