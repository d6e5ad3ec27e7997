/**
 * Onepanel wraps the errors of its service actions in `errorOnNodes` (inner error in
 * `details.error`, cluster nodes in `details.hostnames`, the inner error's HTTP status). Each
 * classification the client offers must see the inner error. The answers below are the shapes
 * onepanel's own REST tests expect for `/provider/spaces` (reference notes §1.4, §5.1), sent by a
 * real HTTP server so the whole path (http → envelope → OnedataError → classification) is covered.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  createOnedataClient,
  hasErrorId,
  isConflict,
  isNotFound,
  isPermanent,
  isTransient,
  OnedataError,
  parseErrorEnvelope,
} from '../../../shared/onedata/index.ts';
import { isPermanentFailure } from '../../../shared/provisioning/errors.ts';
import { errorBody, memoryLogger, startTestServer, type Reply, type TestServer } from './test-server.ts';

const TOKEN = 'panel-token-MDAxNWxvY2F0aW9uIG9uZXpvbmUK-wrapped-test';
const SUPPORT_TOKEN = 'support-token-MDAxNWxvY2F0aW9uIG9uZXpvbmUK-secret';
const HOSTS = ['node1.provider.example.org'];

/** Onepanel's wrapper around `inner`, as ctool's errors:to_json builds it. */
function onNodes(inner: { error: { id: string; description: string; details?: Record<string, unknown> } }) {
  return {
    error: {
      id: 'errorOnNodes',
      description: `Error on nodes ${HOSTS.join(', ')}: ${inner.error.description}`,
      details: { error: inner.error, hostnames: HOSTS },
    },
  };
}

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A client whose every Onepanel call gets `reply`; `requests` counts what was sent (retries included). */
async function panelAnswering(reply: Reply) {
  server = await startTestServer(() => reply);
  const lines: string[] = [];
  const client = createOnedataClient({
    onezoneUrl: server.url,
    oneproviderUrl: server.url,
    onezoneToken: TOKEN,
    retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 2 },
    logger: memoryLogger(lines),
  });
  return { panel: client.panel, requests: server.requests, lines };
}

const support = { token: SUPPORT_TOKEN, size: 10_000_000, storageId: 'st1' };

async function failure(p: Promise<unknown>): Promise<OnedataError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(OnedataError);
  return e as OnedataError;
}

describe('the errorOnNodes envelope', () => {
  it('makes the inner error the identity and keeps the wrapper and hostnames aside', async () => {
    const inner = errorBody('relationAlreadyExists', 'space is already supported', {
      childType: 'space',
      childId: 'sp1',
      parentType: 'provider',
      parentId: 'p1',
    });
    const { panel } = await panelAnswering({ status: 409, body: onNodes(inner) });
    const e = await failure(panel.supportSpace(support));
    expect(e.status).toBe(409);
    expect(e.id).toBe('relationAlreadyExists');
    expect(e.details).toEqual(inner.error.details);
    expect(e.description).toBe('space is already supported');
    expect(e.wrappedIn).toBe('errorOnNodes');
    expect(e.hostnames).toEqual(HOSTS);
    expect(e.message).toContain('relationAlreadyExists (errorOnNodes on node1.provider.example.org)');
    expect(e.toJSON()).toMatchObject({ id: 'relationAlreadyExists', wrappedIn: 'errorOnNodes', hostnames: HOSTS });
  });

  it('never lets the tokens of the request into the error', async () => {
    const inner = errorBody('badValueToken', `Bad value: provided "token" ${SUPPORT_TOKEN} is not valid`, { key: 'token', tokenError: { id: 'badToken' } });
    const { panel } = await panelAnswering({ status: 400, body: onNodes(inner) });
    const e = await failure(panel.supportSpace(support));
    const text = JSON.stringify(e.toJSON()) + e.message + e.stack;
    expect(text).not.toContain(SUPPORT_TOKEN);
    expect(text).not.toContain(TOKEN);
    expect(e.id).toBe('badValueToken');
  });

  it('leaves bare errors and unreadable wrappers as they are', () => {
    expect(parseErrorEnvelope(errorBody('badValueInteger', 'x', { key: 'size' }))).toEqual({
      id: 'badValueInteger',
      description: 'x',
      details: { key: 'size' },
    });
    const broken = { error: { id: 'errorOnNodes', description: 'd', details: { hostnames: HOSTS } } };
    expect(parseErrorEnvelope(broken)).toMatchObject({ id: 'errorOnNodes' });
    expect(parseErrorEnvelope(broken)).not.toHaveProperty('wrapper');
  });
});

describe('classification of wrapped errors', () => {
  it('a repeated support (relationAlreadyExists) is a conflict, sent once', async () => {
    const { panel, requests } = await panelAnswering({
      status: 409,
      body: onNodes(errorBody('relationAlreadyExists', 'already supported', { childType: 'space', childId: 'sp1', parentType: 'provider', parentId: 'p1' })),
    });
    const e = await failure(panel.supportSpace(support));
    expect(isConflict(e)).toBe(true);
    expect(hasErrorId(e, 'relationAlreadyExists')).toBe(true);
    expect(isTransient(e)).toBe(false);
    expect(isPermanent(e)).toBe(false);
    expect(requests).toHaveLength(1);
  });

  it.each([
    ['badValueTooLow', 400, { key: 'size', limit: 1_000_000 }],
    ['badValueIdNotFound', 400, { key: 'storageId' }],
    ['badValueToken', 400, { key: 'token', tokenError: { id: 'tokenInvalid', description: 'invalid' } }],
  ])('a support validation error (%s) is permanent at once: no retry, the dataset fails', async (id, status, details) => {
    const { panel, requests } = await panelAnswering({ status, body: onNodes(errorBody(id, `bad ${id}`, details)) });
    const e = await failure(panel.supportSpace(support));
    expect(e.id).toBe(id);
    expect(e.key).toBe(details.key);
    expect(isPermanent(e)).toBe(true);
    expect(isPermanentFailure(e)).toBe(true);
    expect(isTransient(e)).toBe(false);
    expect(requests).toHaveLength(1);
  });

  it('a wrapped transient error is retried', async () => {
    const { panel, requests, lines } = await panelAnswering({ status: 503, body: onNodes(errorBody('serviceUnavailable', 'op-worker is down')) });
    const e = await failure(panel.listSupportedSpaces());
    expect(isTransient(e)).toBe(true);
    expect(isPermanent(e)).toBe(false);
    expect(requests).toHaveLength(3);
    expect(lines.filter((l) => l.includes('retrying')).every((l) => l.includes('"errorId":"serviceUnavailable"'))).toBe(true);
  });

  it('a wrapped notFound (404) is not found: getSpaceSupport throws it', async () => {
    const { panel } = await panelAnswering({ status: 404, body: onNodes(errorBody('notFound', 'The resource could not be found.')) });
    const e = await failure(panel.getSpaceSupport('nope'));
    expect(isNotFound(e)).toBe(true);
    expect(hasErrorId(e, 'notFound')).toBe(true);
  });

  it('force-start: a wrapped alreadyExists means the scan is running', async () => {
    const { panel } = await panelAnswering({ status: 409, body: onNodes(errorBody('alreadyExists', 'The resource already exists.')) });
    expect(await panel.forceStartImport('sp1')).toBe('alreadyRunning');
  });

  it('force-start: another wrapped error is not mistaken for a running scan', async () => {
    const { panel } = await panelAnswering({ status: 400, body: onNodes(errorBody('requiresAutoStorageImportMode', 'manual mode')) });
    const e = await failure(panel.forceStartImport('sp1'));
    expect(e.id).toBe('requiresAutoStorageImportMode');
    expect(isPermanent(e)).toBe(true);
  });

  it('storage delete: a wrapped storageInUse is recognised by id and not retried', async () => {
    const { panel, requests } = await panelAnswering({ status: 400, body: onNodes(errorBody('storageInUse', 'Specified storage supports a space.')) });
    const e = await failure(panel.deleteStorage('st1'));
    expect(hasErrorId(e, 'storageInUse')).toBe(true);
    expect(requests).toHaveLength(1);
  });
});
