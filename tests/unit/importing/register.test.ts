/**
 * Registration outcomes per object: a `posix` error (the object vanished before the provider could
 * stat it) fails that object for good, so the listing page it belongs to is not re-run; transient
 * errors are handed back for a retry.
 */
import { describe, expect, it } from 'vitest';
import { registerObjects } from '../../../shared/importing/register.ts';
import type { ImportDeps } from '../../../shared/importing/context.ts';
import { OnedataError, type RegisterFileRequest } from '../../../shared/onedata/index.ts';

function onedataError(status: number, id: string, details?: Record<string, unknown>): OnedataError {
  return new OnedataError({
    service: 'oneprovider',
    method: 'POST',
    path: '/data/register',
    status,
    id,
    description: `d ${id}`,
    ...(details ? { details } : {}),
  });
}

/** Deps whose provider answers each registration with `answer(storageFileId)`. */
function depsAnswering(answer: (req: RegisterFileRequest) => OnedataError | undefined): { deps: ImportDeps; sent: RegisterFileRequest[] } {
  const sent: RegisterFileRequest[] = [];
  const provider = {
    async registerFile(req: RegisterFileRequest) {
      sent.push(req);
      const e = answer(req);
      if (e) throw e;
      return { fileId: `f-${req.storageFileId}` };
    },
  };
  // Every key counts as a data object of the dataset: the gate in front of registration is not under test here.
  const classifier = { classify: (_bucket: string, key: string) => ({ kind: 'data', dataset, relPath: key.slice(dataset.prefix.length + 1) }) };
  return { deps: { onedata: { provider }, classifier, config: { import: { registrationConcurrency: 2 } } } as unknown as ImportDeps, sent };
}

const dataset = { bucket: 'b', base: '', name: 'ds', prefix: 'ds', id: 'ds-id' };

const target = { spaceId: 'sp1', storageId: 'st1' };
const objects = [
  { key: 'ds/a.txt', relPath: 'a.txt' },
  { key: 'ds/gone.txt', relPath: 'gone.txt' },
  { key: 'ds/busy.txt', relPath: 'busy.txt', size: 3 },
];

describe('registerObjects', () => {
  it('counts a vanished object (posix enoent) as failed, not as a retry', async () => {
    const { deps, sent } = depsAnswering((req) =>
      req.storageFileId === '/ds/gone.txt'
        ? onedataError(400, 'posix', { errno: 'enoent' })
        : req.storageFileId === '/ds/busy.txt'
          ? onedataError(503, 'serviceUnavailable')
          : undefined,
    );
    const r = await registerObjects(deps, dataset as never, target, objects);
    expect(r.registered).toBe(1);
    expect(r.failed).toEqual([{ key: 'ds/gone.txt', reason: expect.stringContaining('posix') }]);
    expect(r.retry.map((x) => x.key)).toEqual(['ds/busy.txt']);
    expect(sent).toHaveLength(3);
  });

  it('any posix errno is about that object (eacces, enotdir)', async () => {
    const { deps } = depsAnswering((req) => onedataError(400, 'posix', { errno: req.storageFileId.includes('a.txt') ? 'eacces' : 'enotdir' }));
    const r = await registerObjects(deps, dataset as never, target, objects.slice(0, 2));
    expect(r.failed.map((f) => f.key).sort()).toEqual(['ds/a.txt', 'ds/gone.txt']);
    expect(r.retry).toEqual([]);
  });
});
