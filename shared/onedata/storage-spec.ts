import { InvalidStorageSpecError } from './errors.ts';
import { validateOnedataName } from './names.ts';
import type { StorageSpec } from './types.ts';

const OCTAL_MODE = /^0?[0-7]{3,4}$/;

function fail(spec: { name: string }, id: string, message: string, key?: string): never {
  throw new InvalidStorageSpecError(id, spec.name, message, key);
}

function checkInteger(spec: { name: string }, key: string, value: unknown, min: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    fail(spec, min > 0 ? 'badValueTooLow' : 'badValueInteger', `"${key}" must be an integer ≥ ${min}, got ${String(value)}`, key);
  }
}

/**
 * Rejects, before any request, storage configurations Onepanel/Oneprovider 21.02 would refuse or
 * that would leave a half-configured support behind (space support is not atomic with the import
 * configuration, so an S3 import problem found only at support time leaves a supported space):
 * - the name follows the Onedata name rules;
 * - `readonly` only with `importedStorage` (`requiresImportedStorage`);
 * - POSIX: absolute `mountPoint`, only `canonical` paths;
 * - S3: `hostname` is an http(s) URL, `bucketName` set, `signatureVersion` 4, and when imported,
 *   `storagePathType: 'canonical'` and `blockSize: 0` stated explicitly, because the S3 defaults
 *   are `flat` and 10 MiB (`storageImportNotSupported`).
 */
export function validateStorageSpec(spec: StorageSpec): void {
  if (!spec || typeof spec !== 'object') throw new InvalidStorageSpecError('badData', '?', 'spec must be an object');
  const name = validateOnedataName(spec.name);
  if (!name.ok) fail(spec, 'badValueName', `invalid name: ${name.reason}`, 'name');
  if (spec.readonly === true && spec.importedStorage !== true) {
    fail(spec, 'requiresImportedStorage', '"readonly" is allowed only on an imported storage (set "importedStorage": true)', 'readonly');
  }
  checkInteger(spec, 'timeout', spec.timeout, 1);
  if (spec.lumaFeed === 'external' && !spec.lumaFeedUrl) {
    fail(spec, 'missingRequiredValue', '"lumaFeedUrl" is required when "lumaFeed" is "external"', 'lumaFeedUrl');
  }
  switch (spec.type) {
    case 'posix':
      if (typeof spec.mountPoint !== 'string' || !spec.mountPoint.startsWith('/')) {
        fail(spec, 'badValueString', `"mountPoint" must be an absolute path, got ${JSON.stringify(spec.mountPoint)}`, 'mountPoint');
      }
      if (spec.storagePathType !== undefined && spec.storagePathType !== 'canonical') {
        fail(spec, 'badValueNotAllowed', 'POSIX storage supports only "storagePathType": "canonical"', 'storagePathType');
      }
      checkInteger(spec, 'rootUid', spec.rootUid, 0);
      checkInteger(spec, 'rootGid', spec.rootGid, 0);
      return;
    case 's3': {
      let url: URL | undefined;
      try {
        url = new URL(spec.hostname);
      } catch {
        url = undefined;
      }
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
        fail(
          spec,
          'badData',
          `"hostname" must be a URL with scheme and optional port, e.g. https://s3.example.org:443, got ${JSON.stringify(spec.hostname)}`,
          'hostname',
        );
      }
      if (typeof spec.bucketName !== 'string' || spec.bucketName === '') fail(spec, 'missingRequiredValue', '"bucketName" is required', 'bucketName');
      if (spec.signatureVersion !== undefined && spec.signatureVersion !== 4) {
        fail(spec, 'badValueListNotAllowed', 'only "signatureVersion": 4 is supported', 'signatureVersion');
      }
      if (spec.storagePathType !== undefined && spec.storagePathType !== 'canonical' && spec.storagePathType !== 'flat') {
        fail(spec, 'badValueNotAllowed', '"storagePathType" must be "canonical" or "flat"', 'storagePathType');
      }
      checkInteger(spec, 'blockSize', spec.blockSize, 0);
      checkInteger(spec, 'maximumCanonicalObjectSize', spec.maximumCanonicalObjectSize, 1);
      for (const key of ['fileMode', 'dirMode'] as const) {
        const mode = spec[key];
        if (mode !== undefined && !OCTAL_MODE.test(mode)) fail(spec, 'badValueOctal', `"${key}" must be an octal string such as "0664"`, key);
      }
      if (spec.importedStorage === true) {
        if (spec.storagePathType !== 'canonical') {
          fail(spec, 'storageImportNotSupported', 'an imported S3 storage needs "storagePathType": "canonical" (the S3 default is "flat")', 'storagePathType');
        }
        if (spec.blockSize !== 0) {
          fail(spec, 'storageImportNotSupported', 'an imported S3 storage needs "blockSize": 0 (one object per file; the default is 10 MiB)', 'blockSize');
        }
      }
      return;
    }
    default:
      fail(
        spec,
        'badValueNotAllowed',
        `unsupported storage type ${JSON.stringify((spec as { type?: unknown }).type)} (this client creates "posix" and "s3")`,
        'type',
      );
  }
}

/** The body of `POST /provider/storages`: `{ "<name>": { type, ...params } }`. */
export function storageCreateBody(spec: StorageSpec): Record<string, Record<string, unknown>> {
  const { name, ...params } = spec;
  const config: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined) config[k] = v;
  return { [name]: config };
}
