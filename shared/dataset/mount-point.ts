import { posix } from 'node:path';
import { checkKey } from './key-path.ts';

export class UnsafeMountPointError extends Error {
  override readonly name = 'UnsafeMountPointError';
}

/**
 * posix mode: where the Oneprovider sees a dataset's folder. Built with path functions from the
 * checked segments of the prefix, and proven to lie strictly under `mountRoot`, so no key can
 * make s3od create an imported (and shared) storage on a folder it was not asked to publish.
 */
export function datasetMountPoint(mountRoot: string, prefix: string): string {
  if (!posix.isAbsolute(mountRoot)) throw new UnsafeMountPointError(`posixStorage.mountRoot must be an absolute path, got ${JSON.stringify(mountRoot)}`);
  const check = checkKey(prefix);
  if (!check.ok || prefix.endsWith('/'))
    throw new UnsafeMountPointError(`the dataset prefix is not a safe path: ${check.ok ? 'it ends with "/"' : check.reason}`);
  const root = posix.resolve(mountRoot);
  const mountPoint = posix.resolve(root, ...check.segments);
  const rel = posix.relative(root, mountPoint);
  if (rel === '' || rel.startsWith('..') || posix.isAbsolute(rel) || rel !== check.segments.join('/')) {
    throw new UnsafeMountPointError(`the mount point of ${JSON.stringify(prefix)} would not lie under ${root}`);
  }
  return mountPoint;
}
