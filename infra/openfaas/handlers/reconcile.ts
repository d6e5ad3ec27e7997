import { handler } from '../../../functions/reconcile/handler.ts';
import { createInvokeHandler } from './queue-fed.ts';

/** reconcile on OpenFaaS: invoked on a schedule by the queue worker (S3OD_RECONCILE_EVERY). */
export default createInvokeHandler('reconcile', (event, context) => handler(event, context), 300_000);
