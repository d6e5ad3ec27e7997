import { describe, expect, it } from 'vitest';
import {
  InvalidNameError,
  InvalidStorageSpecError,
  OnedataError,
  hasErrorId,
  idFromLocation,
  isConflict,
  isNotFound,
  isPermanent,
  isPosixError,
  isTransient,
  parseErrorEnvelope,
} from '../../../shared/onedata/index.ts';
import { registerSecret } from '../../../shared/log/index.ts';

function err(status: number, id: string, details?: Record<string, unknown>): OnedataError {
  return new OnedataError({
    service: 'onezone',
    method: 'POST',
    path: '/groups/g1/spaces',
    status,
    id,
    description: `d ${id}`,
    ...(details ? { details } : {}),
  });
}

describe('parseErrorEnvelope', () => {
  it('reads id, description and details', () => {
    expect(parseErrorEnvelope({ error: { id: 'badValueIdentifier', description: 'Bad value', details: { key: 'id' } } })).toEqual({
      id: 'badValueIdentifier',
      description: 'Bad value',
      details: { key: 'id' },
    });
  });

  it('tolerates a missing description or details', () => {
    expect(parseErrorEnvelope({ error: { id: 'forbidden' } })).toEqual({ id: 'forbidden', description: '' });
  });

  it('rejects the stale Oneprovider spec shape and non-envelopes', () => {
    expect(parseErrorEnvelope({ error: 'not_found', error_description: 'x' })).toBeUndefined();
    expect(parseErrorEnvelope('<html>502</html>')).toBeUndefined();
    expect(parseErrorEnvelope(undefined)).toBeUndefined();
    expect(parseErrorEnvelope({ error: { description: 'no id' } })).toBeUndefined();
    expect(parseErrorEnvelope({ error: { id: 'x', details: ['not', 'an', 'object'] } })).toEqual({ id: 'x', description: '' });
  });
});

describe('idFromLocation', () => {
  it('takes the last segment of a full Onezone/Oneprovider URL', () => {
    expect(idFromLocation('https://zone.example.org/api/v3/onezone/groups/g1/spaces/3f2a9c')).toBe('3f2a9c');
    expect(idFromLocation('https://p.example.org/api/v3/oneprovider/shares/abc123')).toBe('abc123');
  });

  it('takes the last segment of an Onepanel path', () => {
    expect(idFromLocation('/api/v3/onepanel/provider/spaces/sp1')).toBe('sp1');
  });

  it('ignores a trailing slash, query and fragment, and decodes', () => {
    expect(idFromLocation('https://z/api/v3/onezone/spaces/s1/')).toBe('s1');
    expect(idFromLocation('/api/v3/onezone/spaces/s1?x=1#frag')).toBe('s1');
    expect(idFromLocation('/api/v3/onezone/tokens/named/a%20b')).toBe('a b');
  });

  it('gives undefined when there is nothing usable', () => {
    expect(idFromLocation(undefined)).toBeUndefined();
    expect(idFromLocation('')).toBeUndefined();
    expect(idFromLocation('/')).toBeUndefined();
    expect(idFromLocation('https://')).toBeUndefined();
  });
});

describe('OnedataError', () => {
  it('carries service, method, path, status, id, description, details', () => {
    const e = err(400, 'posix', { errno: 'enoent' });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('OnedataError');
    expect(e.service).toBe('onezone');
    expect(e.method).toBe('POST');
    expect(e.path).toBe('/groups/g1/spaces');
    expect(e.status).toBe(400);
    expect(e.errno).toBe('enoent');
    expect(e.message).toBe('onezone POST /groups/g1/spaces → 400 posix: d posix');
    expect(JSON.parse(JSON.stringify(e))).toMatchObject({ id: 'posix', status: 400, details: { errno: 'enoent' } });
  });

  it('never contains the token, in message, description, details or path', () => {
    const token = 'MDAxNWxvY2F0aW9uIG9uZXpvbmUKMDAzYmlkZW50aWZpZXIgOEhm-unit-secret';
    const e = new OnedataError({
      service: 'onepanel',
      method: 'post',
      path: `/provider/spaces/${token}`,
      status: 400,
      id: 'badValueToken',
      description: `Bad value: provided "token" (${token}) is invalid`,
      details: { key: 'token', tokenError: { echoed: token, nested: [token] } },
      secrets: [token],
    });
    const everything = JSON.stringify({ m: e.message, d: e.description, det: e.details, p: e.path, j: e.toJSON(), s: e.stack });
    expect(everything).not.toContain(token);
    expect(e.message).toContain('[REDACTED]');
  });

  it('masks secrets registered with the logger even when not passed explicitly', () => {
    const secret = 'registered-secret-value-123456';
    registerSecret(secret);
    const e = err(401, 'unauthorized');
    const e2 = new OnedataError({ service: 'onezone', method: 'GET', path: '/user', status: 401, id: 'unauthorized', description: `token ${secret} revoked` });
    expect(e.message).not.toContain(secret);
    expect(e2.message).not.toContain(secret);
  });
});

describe('retry classification', () => {
  it.each([
    [503, 'serviceUnavailable'],
    [503, 'temporaryFailure'],
    [503, 'timeout'],
    [503, 'noConnectionToOnezone'],
    [503, 'anythingElse'],
    [502, 'serviceUnavailable'],
    [504, 'serviceUnavailable'],
    [429, 'tooManyRequests'],
    [0, 'timeout'],
  ])('%i %s is transient, not permanent', (status, id) => {
    const e = err(status, id);
    expect(isTransient(e)).toBe(true);
    expect(isPermanent(e)).toBe(false);
  });

  it.each(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN'])('network %s is transient', (code) => {
    expect(isTransient(err(0, 'connectionError', { code }))).toBe(true);
  });

  it('a TLS or unknown-host failure is not transient', () => {
    expect(isTransient(err(0, 'connectionError', { code: 'CERT_HAS_EXPIRED' }))).toBe(false);
    expect(isTransient(err(0, 'connectionError', { code: 'ENOTFOUND' }))).toBe(false);
  });

  it('Onepanel errorOnNodes is judged by its inner error (the envelope makes it the id)', () => {
    const wrapped = (inner: Record<string, unknown>) =>
      parseErrorEnvelope({ error: { id: 'errorOnNodes', description: 'd', details: { error: inner, hostnames: ['n1'] } } })!;
    const asError = (status: number, inner: Record<string, unknown>) => {
      const e = wrapped(inner);
      return new OnedataError({
        service: 'onepanel',
        method: 'POST',
        path: '/provider/spaces',
        status,
        id: e.id,
        description: e.description,
        ...(e.wrapper ? { wrapper: e.wrapper } : {}),
      });
    };
    expect(isTransient(asError(503, { id: 'temporaryFailure', description: 't' }))).toBe(true);
    expect(isTransient(asError(400, { id: 'badValueName', description: 'n' }))).toBe(false);
    expect(isPermanent(asError(400, { id: 'badValueName', description: 'n' }))).toBe(true);
  });

  it.each([
    [401, 'unauthorized'],
    [403, 'forbidden'],
    [400, 'badToken'],
    [400, 'badValueName'],
    [400, 'badValueTooLow'],
    [400, 'badValueToken'],
    [400, 'missingRequiredValue'],
    [400, 'missingAtLeastOneValue'],
    [400, 'requiresImportedStorage'],
    [400, 'storageImportNotSupported'],
    [400, 'tokenTimeCaveatRequired'],
  ])('%i %s is permanent, not transient', (status, id) => {
    const e = err(status, id);
    expect(isPermanent(e)).toBe(true);
    expect(isTransient(e)).toBe(false);
  });

  it('conflicts are neither transient nor permanent, but isConflict', () => {
    for (const [status, id] of [
      [409, 'alreadyExists'],
      [409, 'relationAlreadyExists'],
      [400, 'badValueIdentifierOccupied'],
    ] as const) {
      const e = err(status, id);
      expect(isConflict(e)).toBe(true);
      expect(isTransient(e)).toBe(false);
      expect(isPermanent(e)).toBe(false);
    }
  });

  it('500 internalServerError is not retried (a server bug)', () => {
    expect(isTransient(err(500, 'internalServerError'))).toBe(false);
  });

  it('local validation errors are permanent; unknown errors are neither', () => {
    expect(isPermanent(new InvalidNameError('x', 'too short'))).toBe(true);
    expect(isPermanent(new InvalidStorageSpecError('requiresImportedStorage', 's', 'msg'))).toBe(true);
    expect(isPermanent(new Error('bug'))).toBe(false);
    expect(isTransient(new Error('ECONNRESET'))).toBe(false);
  });

  it('helpers match ids, posix errno and not-found', () => {
    expect(hasErrorId(err(400, 'spaceNotSupportedBy'), 'userNotSupported', 'spaceNotSupportedBy')).toBe(true);
    expect(hasErrorId(new Error('x'), 'x')).toBe(false);
    expect(isPosixError(err(400, 'posix', { errno: 'enoent' }), 'enoent')).toBe(true);
    expect(isPosixError(err(400, 'posix', { errno: 'eacces' }), 'enoent')).toBe(false);
    expect(isNotFound(err(404, 'notFound'))).toBe(true);
  });
});
