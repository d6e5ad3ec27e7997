import { handler } from '../../../functions/import/handler.ts';
import { createQueueFedHandler } from './queue-fed.ts';

/** import on OpenFaaS: SQS batches from the queue worker → the Lambda handler (see queue-fed.ts). */
export default createQueueFedHandler('import', handler, 120_000);
