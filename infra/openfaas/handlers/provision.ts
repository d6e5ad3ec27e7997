import { handler } from '../../../functions/provision/handler.ts';
import { createQueueFedHandler } from './queue-fed.ts';

/** provision on OpenFaaS: SQS batches from the queue worker → the Lambda handler (see queue-fed.ts). */
export default createQueueFedHandler('provision', handler, 180_000);
