import { describe, expect, it } from 'vitest';
import { InvalidStorageSpecError, storageCreateBody, validateStorageSpec, type StorageSpec } from '../../../shared/onedata/index.ts';

function rejects(spec: StorageSpec, id: string, key?: string) {
  let caught: unknown;
  try {
    validateStorageSpec(spec);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(InvalidStorageSpecError);
  const e = caught as InvalidStorageSpecError;
  expect(e.id).toBe(id);
  if (key) expect(e.key).toBe(key);
  expect(e.message).toContain(JSON.stringify(spec.name));
  return e;
}

const importedS3: StorageSpec = {
  type: 's3',
  name: 'ds-bucket',
  hostname: 'https://s3.example.org:443',
  bucketName: 'ds',
  accessKey: 'AK',
  secretKey: 'SK',
  importedStorage: true,
  readonly: true,
  storagePathType: 'canonical',
  blockSize: 0,
};

describe('validateStorageSpec', () => {
  it('accepts the documented imported read-only S3 and POSIX examples', () => {
    expect(() => validateStorageSpec(importedS3)).not.toThrow();
    expect(() =>
      validateStorageSpec({ type: 'posix', name: 'ds_posix', mountPoint: '/volume/datasets/x', importedStorage: true, readonly: true }),
    ).not.toThrow();
    expect(() => validateStorageSpec({ type: 's3', name: 'plain', hostname: 'http://127.0.0.1:7480', bucketName: 'b' })).not.toThrow();
  });

  it('readonly requires importedStorage', () => {
    rejects({ type: 'posix', name: 'p1', mountPoint: '/m', readonly: true }, 'requiresImportedStorage', 'readonly');
    rejects({ ...importedS3, importedStorage: false }, 'requiresImportedStorage');
  });

  it('imported S3 needs canonical paths and blockSize 0 stated explicitly', () => {
    const { storagePathType: _p, ...noPathType } = importedS3 as Extract<StorageSpec, { type: 's3' }>;
    rejects(noPathType as StorageSpec, 'storageImportNotSupported', 'storagePathType');
    rejects({ ...importedS3, storagePathType: 'flat' }, 'storageImportNotSupported', 'storagePathType');
    const { blockSize: _b, ...noBlock } = importedS3 as Extract<StorageSpec, { type: 's3' }>;
    rejects(noBlock as StorageSpec, 'storageImportNotSupported', 'blockSize');
    rejects({ ...importedS3, blockSize: 1024 }, 'storageImportNotSupported', 'blockSize');
  });

  it('S3 hostname must be a URL with a scheme', () => {
    rejects({ type: 's3', name: 's3a', hostname: 's3.example.org', bucketName: 'b' }, 'badData', 'hostname');
    rejects({ type: 's3', name: 's3a', hostname: 'ftp://s3.example.org', bucketName: 'b' }, 'badData', 'hostname');
    rejects({ type: 's3', name: 's3a', hostname: 'https://s3', bucketName: '' }, 'missingRequiredValue', 'bucketName');
  });

  it('checks numeric and enum parameters', () => {
    rejects({ ...importedS3, signatureVersion: 2 as 4 }, 'badValueListNotAllowed', 'signatureVersion');
    rejects({ ...importedS3, blockSize: -1 }, 'badValueInteger', 'blockSize');
    rejects({ ...importedS3, maximumCanonicalObjectSize: 0 }, 'badValueTooLow');
    rejects({ ...importedS3, fileMode: '999' }, 'badValueOctal', 'fileMode');
    rejects({ ...importedS3, timeout: 0 }, 'badValueTooLow', 'timeout');
  });

  it('POSIX needs an absolute mount point and canonical paths', () => {
    rejects({ type: 'posix', name: 'p1', mountPoint: 'relative/dir' }, 'badValueString', 'mountPoint');
    rejects({ type: 'posix', name: 'p1', mountPoint: '/m', storagePathType: 'flat' as 'canonical' }, 'badValueNotAllowed');
  });

  it('the storage name follows the Onedata name rules', () => {
    rejects({ type: 'posix', name: 'bad@name', mountPoint: '/m' }, 'badValueName', 'name');
    rejects({ type: 'posix', name: 'x', mountPoint: '/m' }, 'badValueName');
  });

  it('only posix and s3 are created by this client', () => {
    rejects({ type: 'ceph', name: 'c1' } as unknown as StorageSpec, 'badValueNotAllowed', 'type');
  });
});

describe('storageCreateBody', () => {
  it('keys the config by name and drops undefined fields', () => {
    expect(storageCreateBody({ type: 'posix', name: 'p1', mountPoint: '/m', rootUid: undefined })).toEqual({ p1: { type: 'posix', mountPoint: '/m' } });
  });
});
