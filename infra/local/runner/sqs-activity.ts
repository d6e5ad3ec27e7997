/**
 * Lambda's SQS pollers long-poll, so a job is picked up as soon as it is sent. The local SQS server
 * answers a long poll only on its 10 ms scan tick (local-aws-sqs.cjs), and every idle poller would
 * hold one such scan, so the local event sources short-poll (answered at once) and idle between
 * empty polls; without a signal, every job would wait half an idle pause on average. The local SQS
 * server signals each accepted send here, and idle event sources poll at once.
 */
type Listener = () => void;
const listeners = new Set<Listener>();

export function onQueueSend(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

let scheduled = false;

/** Sends in the same turn of the event loop make one signal (a burst of sends, one poll each). */
export function notifyQueueSend(): void {
  if (scheduled) return;
  scheduled = true;
  setImmediate(() => {
    scheduled = false;
    for (const l of listeners) l();
  });
}
