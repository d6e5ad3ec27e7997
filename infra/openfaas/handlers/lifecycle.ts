import { handler } from '../../../functions/lifecycle/handler.ts';
import { createInvokeHandler } from './queue-fed.ts';

/** lifecycle on OpenFaaS: invoked on a schedule by the queue worker (S3OD_LIFECYCLE_EVERY, default 1h). */
export default createInvokeHandler('lifecycle', (event, context) => handler(event, context), 900_000);
