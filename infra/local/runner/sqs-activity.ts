/**
 * Lambda's SQS pollers long-poll, so a job is picked up as soon as it is sent. local-aws-sqs's long
 * poll waits for a full batch instead, so the local event sources poll with WaitTimeSeconds 0 and
 * idle between empty polls; without a signal, every job would wait half an idle pause on average.
 * The local SQS server signals each accepted send here, and idle event sources poll at once.
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
