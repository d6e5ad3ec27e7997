/**
 * Lambda's SQS pollers long-poll, so a job is picked up as soon as it is sent. The local SQS server
 * answers a long poll only on its 10 ms scan tick (local-aws-sqs.cjs), and every idle poller would
 * hold one such scan, so the local event sources short-poll (answered at once) and idle between
 * empty polls; without a signal, every job would wait half an idle pause on average. The local SQS
 * server signals each accepted send here, and idle event sources poll at once.
 */
/** Told how many messages were sent to its queue. */
type Listener = (messages: number) => void;
const listeners = new Map<string, Set<Listener>>();

/** Listens for sends to the queue named `queueName` (the last segment of its URL). */
export function onQueueSend(queueName: string, listener: Listener): () => void {
  const set = listeners.get(queueName) ?? new Set<Listener>();
  set.add(listener);
  listeners.set(queueName, set);
  return () => set.delete(listener);
}

/**
 * Messages accepted per queue name, as the local SQS server reports them (once per turn of its
 * event loop). Only that queue's event sources are told (each wakes one idle poller per batch of
 * them); a send whose queue the server could not read ('') tells every queue's of one message.
 */
export function notifyQueueSend(sends: Record<string, number>): void {
  for (const [queue, messages] of Object.entries(sends)) {
    if (queue === '') for (const set of listeners.values()) for (const l of set) l(1);
    else for (const l of listeners.get(queue) ?? []) l(messages);
  }
}
