import { describe, expect, it } from 'vitest';
import {
  deliveryAuthorizedBy,
  endpointAuthFromEnv,
  endpointAuthWarning,
  isAuthorizedDelivery,
  isAuthorizedJobCall,
  isJsonContentType,
} from '../../../shared/events/webhook-auth.ts';

// Guards shared/events/webhook-auth.ts: both endpoint kinds fail closed, and the two secrets never stand in for each other.
describe('endpoint authentication', () => {
  const webhook = endpointAuthFromEnv('webhook', { S3OD_WEBHOOK_TOKEN: 'whk-secret-1', S3OD_JOBS_TOKEN: 'jobs-secret-2' });
  const jobs = endpointAuthFromEnv('jobs', { S3OD_WEBHOOK_TOKEN: 'whk-secret-1', S3OD_JOBS_TOKEN: 'jobs-secret-2' });

  it("a delivery passes with the webhook token as Bearer or as every record's opaqueData", () => {
    expect(isAuthorizedDelivery(webhook, { authorization: 'Bearer whk-secret-1' }, [])).toBe(true);
    expect(isAuthorizedDelivery(webhook, {}, ['whk-secret-1', 'whk-secret-1'])).toBe(true);
    expect(isAuthorizedDelivery(webhook, {}, ['whk-secret-1', undefined])).toBe(false);
    expect(isAuthorizedDelivery(webhook, { authorization: 'whk-secret-1' }, [])).toBe(false);
    expect(isAuthorizedDelivery(webhook, {}, [])).toBe(false);
  });

  it('during a rotation says which token let a delivery in: the previous one whenever any record (or the header) carries it', () => {
    // Guards deliveryAuthorizedBy: the operator ends a rotation once no delivery is let in by 'previous'.
    const rotating = endpointAuthFromEnv('webhook', { S3OD_WEBHOOK_TOKEN: 'whk-new', S3OD_WEBHOOK_TOKEN_PREVIOUS: 'whk-old' });
    expect(deliveryAuthorizedBy(rotating, {}, ['whk-new', 'whk-new'])).toBe('token');
    expect(deliveryAuthorizedBy(rotating, {}, ['whk-new', 'whk-old'])).toBe('previous');
    expect(deliveryAuthorizedBy(rotating, { authorization: 'Bearer whk-old' }, [])).toBe('previous');
    expect(deliveryAuthorizedBy(rotating, {}, ['whk-new', 'whk-other'])).toBeUndefined();
    expect(deliveryAuthorizedBy(endpointAuthFromEnv('webhook', { S3OD_WEBHOOK_TOKEN_PREVIOUS: 'whk-old' }), {}, ['whk-old'])).toBeUndefined();
    const jobsRotating = endpointAuthFromEnv('jobs', { S3OD_JOBS_TOKEN: 'jobs-new', S3OD_JOBS_TOKEN_PREVIOUS: 'jobs-old' });
    expect(isAuthorizedJobCall(jobsRotating, { authorization: 'Bearer jobs-old' })).toBe(true);
    expect(isAuthorizedJobCall(jobsRotating, { authorization: 'Bearer whk-old' })).toBe(false);
  });

  it('a job call passes only with the jobs token in the header', () => {
    expect(isAuthorizedJobCall(jobs, { authorization: 'Bearer jobs-secret-2' })).toBe(true);
    expect(isAuthorizedJobCall(jobs, { authorization: 'Bearer whk-secret-1' })).toBe(false);
    expect(isAuthorizedDelivery(webhook, { authorization: 'Bearer jobs-secret-2' }, [])).toBe(false);
  });

  it('with no token configured nothing passes, and the start-up line says so', () => {
    for (const env of [{}, { S3OD_WEBHOOK_TOKEN: '' }]) {
      const auth = endpointAuthFromEnv('webhook', env);
      expect(isAuthorizedDelivery(auth, { authorization: 'Bearer ' }, [''])).toBe(false);
      expect(isAuthorizedDelivery(auth, {}, [])).toBe(false);
      expect(endpointAuthWarning('webhook', auth)).toMatch(/refused/);
    }
    expect(isAuthorizedJobCall(endpointAuthFromEnv('jobs', {}), {})).toBe(false);
  });

  it('only the explicit local-only setting opens an endpoint without a token, and it is announced', () => {
    const auth = endpointAuthFromEnv('jobs', { S3OD_INSECURE_LOCAL_NO_AUTH: 'true' });
    expect(isAuthorizedJobCall(auth, {})).toBe(true);
    expect(endpointAuthWarning('jobs', auth)).toMatch(/S3OD_INSECURE_LOCAL_NO_AUTH=true/);
    expect(isAuthorizedJobCall(endpointAuthFromEnv('jobs', { S3OD_INSECURE_LOCAL_NO_AUTH: '1' }), {})).toBe(false);
    expect(endpointAuthWarning('jobs', jobs)).toBeUndefined();
  });

  it('accepts only application/json bodies', () => {
    expect(isJsonContentType({ 'content-type': 'application/json; charset=utf-8' })).toBe(true);
    for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', undefined])
      expect(isJsonContentType({ 'content-type': ct })).toBe(false);
  });
});
