/**
 * JSON schemas of the request bodies the simulator accepts, validated with ajv and translated into the
 * Onedata validation errors: missing field → `missingRequiredValue {key}`, wrong type → `badValueString`/
 * `badValueInteger`/`badValueBoolean`/..., enum → `badValueNotAllowed {key, allowed}`. Unknown fields are
 * ignored, as the servers ignore them. Semantic rules (name rules, minimum support size, ...) are checked
 * by the route modules after this structural pass.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { err, fail, type ErrorJson } from './errors.ts';

const str = { type: 'string' } as const;
const nonEmptyStr = { type: 'string', minLength: 1 } as const;
const int = { type: 'integer' } as const;
const bool = { type: 'boolean' } as const;
const strList = { type: 'array', items: str } as const;
const jsonObject = { type: 'object', 'x-error': 'badValueJSON' } as const;
const stringMap = { type: 'object', additionalProperties: str } as const;

const autoStorageImportConfig = {
  type: 'object',
  'x-error': 'badValueJSON',
  properties: {
    maxDepth: { type: 'integer', minimum: 1 },
    syncAcl: bool,
    continuousScan: bool,
    scanInterval: { type: 'integer', minimum: 1 },
    detectModifications: bool,
    detectDeletions: bool,
  },
} as const;

const storageCommon = {
  type: nonEmptyStr,
  timeout: { type: 'integer', minimum: 1 },
  lumaFeed: { enum: ['auto', 'local', 'external'] },
  lumaFeedUrl: str,
  lumaFeedApiKey: str,
  qosParameters: stringMap,
  importedStorage: bool,
  archiveStorage: bool,
  readonly: bool,
} as const;

export const SCHEMAS = {
  spaceCreate: {
    type: 'object',
    required: ['name'],
    properties: {
      name: str,
      idGeneratorSeed: str,
      description: str,
      organizationName: str,
      tags: strList,
      advertisedInMarketplace: bool,
      marketplaceContactEmail: str,
    },
  },
  spaceUpdate: {
    type: 'object',
    properties: {
      name: str,
      description: str,
      organizationName: str,
      tags: strList,
      advertisedInMarketplace: bool,
      marketplaceContactEmail: str,
    },
  },
  groupCreate: {
    type: 'object',
    required: ['name'],
    properties: { name: str, type: { enum: ['organization', 'unit', 'team', 'role_holders'] } },
  },
  groupUpdate: {
    type: 'object',
    properties: { name: str, type: { enum: ['organization', 'unit', 'team', 'role_holders'] } },
  },
  privileges: { type: 'object', properties: { privileges: strList } },
  privilegesUpdate: { type: 'object', properties: { grant: strList, revoke: strList } },
  namedTokenCreate: {
    type: 'object',
    required: ['name'],
    properties: {
      name: str,
      type: { type: 'object', 'x-error': 'badValueTokenType' },
      caveats: { type: 'array', 'x-error': 'badValueCaveat' },
      customMetadata: jsonObject,
      revoked: bool,
      privileges: strList,
      usageLimit: { type: ['integer', 'string'], 'x-error': 'badValueInteger' },
    },
  },
  temporaryTokenCreate: {
    type: 'object',
    properties: {
      type: { type: 'object', 'x-error': 'badValueTokenType' },
      caveats: { type: 'array', 'x-error': 'badValueCaveat' },
    },
  },
  namedTokenUpdate: { type: 'object', properties: { name: str, customMetadata: jsonObject, revoked: bool } },
  tokenOnly: { type: 'object', required: ['token'], properties: { token: str } },
  supportCreate: {
    type: 'object',
    required: ['token', 'size', 'storageId'],
    properties: {
      token: str,
      size: int,
      storageId: str,
      storageImport: {
        type: 'object',
        'x-error': 'badValueJSON',
        properties: { mode: { enum: ['auto', 'manual'] }, autoStorageImportConfig },
      },
      accountingEnabled: bool,
      dirStatsServiceEnabled: bool,
    },
  },
  supportModify: {
    type: 'object',
    properties: { size: int, autoStorageImportConfig, accountingEnabled: bool, dirStatsServiceEnabled: bool },
  },
  storageType: { type: 'object', required: ['type'], properties: { type: str } },
  posix: {
    type: 'object',
    required: ['type', 'mountPoint'],
    properties: {
      ...storageCommon,
      mountPoint: nonEmptyStr,
      storagePathType: { enum: ['canonical'] },
      rootUid: int,
      rootGid: int,
    },
  },
  s3: {
    type: 'object',
    required: ['type', 'hostname', 'bucketName'],
    properties: {
      ...storageCommon,
      hostname: nonEmptyStr,
      bucketName: nonEmptyStr,
      accessKey: str,
      secretKey: str,
      signatureVersion: { type: 'integer', enum: [4], 'x-error': 'badValueListNotAllowed' },
      region: str,
      verifyServerCertificate: bool,
      blockSize: { type: 'integer', minimum: 0 },
      storagePathType: { enum: ['canonical', 'flat'] },
      maximumCanonicalObjectSize: { type: 'integer', minimum: 1 },
      fileMode: str,
      dirMode: str,
    },
  },
  nulldevice: {
    type: 'object',
    required: ['type'],
    properties: { ...storageCommon, storagePathType: { enum: ['canonical', 'flat'] }, latencyMin: int, latencyMax: int },
  },
  http: {
    type: 'object',
    required: ['type', 'endpoint'],
    properties: {
      ...storageCommon,
      endpoint: nonEmptyStr,
      credentialsType: { enum: ['none', 'basic', 'token', 'oauth2'] },
      credentials: str,
      verifyServerCertificate: bool,
      connectionPoolSize: int,
      maxRequestsPerSession: int,
      fileMode: str,
      authorizationHeader: str,
      storagePathType: { enum: ['canonical'] },
    },
  },
  fileRegister: {
    type: 'object',
    required: ['spaceId', 'storageId', 'storageFileId', 'destinationPath'],
    properties: {
      spaceId: str,
      storageId: str,
      storageFileId: nonEmptyStr,
      destinationPath: nonEmptyStr,
      size: { type: 'integer', minimum: 0 },
      mode: str,
      atime: { type: 'integer', minimum: 0 },
      mtime: { type: 'integer', minimum: 0 },
      ctime: { type: 'integer', minimum: 0 },
      uid: { type: 'integer', minimum: 0 },
      gid: { type: 'integer', minimum: 0 },
      xattrs: stringMap,
      json: jsonObject,
      rdf: str,
      autoDetectAttributes: bool,
    },
  },
  shareCreate: {
    type: 'object',
    required: ['name'],
    properties: { name: str, description: str, rootFileId: str, fileId: str },
  },
  shareUpdate: { type: 'object', properties: { name: str, description: str } },
  qosCreate: {
    type: 'object',
    required: ['fileId', 'expression'],
    properties: { fileId: str, expression: nonEmptyStr, replicasNum: { type: 'integer', minimum: 1 } },
  },
  transferCreate: {
    type: 'object',
    required: ['type', 'dataSourceType'],
    properties: {
      type: { enum: ['replication', 'eviction', 'migration'] },
      dataSourceType: { enum: ['file', 'view'] },
      replicatingProviderId: str,
      evictingProviderId: str,
      callback: str,
      fileId: str,
      spaceId: str,
      viewName: str,
      queryViewParams: jsonObject,
    },
  },
} as const;

export type SchemaName = keyof typeof SCHEMAS;

const ajv = new Ajv({ allErrors: false, verbose: true, strict: true, allowUnionTypes: true });
ajv.addKeyword({ keyword: 'x-error', schemaType: 'string' });
const validators = Object.fromEntries(Object.entries(SCHEMAS).map(([name, schema]) => [name, ajv.compile(schema)])) as Record<
  SchemaName,
  ReturnType<typeof ajv.compile>
>;

function keyOf(instancePath: string, prefix: string): string {
  const parts = instancePath.split('/').filter((p) => p !== '' && !/^\d+$/.test(p));
  return parts.length > 0 ? prefix + parts.join('.') : prefix.replace(/\.$/, '');
}

function translate(e: ErrorObject, prefix: string): ErrorJson {
  const key = keyOf(e.instancePath, prefix);
  const override = (e.parentSchema as Record<string, unknown> | undefined)?.['x-error'];
  const isItem = /\/\d+$/.test(e.instancePath);
  switch (e.keyword) {
    case 'required': {
      const missing = String((e.params as { missingProperty: string }).missingProperty);
      return err.missingRequiredValue(key ? `${key}.${missing}` : missing);
    }
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
      return override === 'badValueListNotAllowed' ? err.badValueListNotAllowed(key, allowed) : err.badValueNotAllowed(key, allowed);
    }
    case 'minimum':
      return err.badValueTooLow(key, Number((e.params as { limit: number }).limit));
    case 'maximum':
      return err.badValueTooHigh(key, Number((e.params as { limit: number }).limit));
    case 'minLength':
      return err.badValueEmpty(key);
    case 'type': {
      if (isItem) return err.badValueListOfStrings(key);
      if (typeof override === 'string') return overrideError(override, key, e.data);
      const expected = String((e.params as { type: string }).type);
      if (expected === 'string') return err.badValueString(key);
      if (expected === 'integer' || expected === 'number') return err.badValueInteger(key);
      if (expected === 'boolean') return err.badValueBoolean(key);
      if (expected === 'array') return err.badValueListOfStrings(key);
      return err.badValueJSON(key);
    }
    default:
      return err.badData(key);
  }
}

function overrideError(id: string, key: string, data: unknown): ErrorJson {
  switch (id) {
    case 'badValueTokenType':
      return err.badValueTokenType(key);
    case 'badValueCaveat':
      return err.badValueCaveat(data);
    case 'badValueInteger':
      return err.badValueInteger(key);
    case 'badValueJSON':
      return err.badValueJSON(key);
    default:
      return err.badData(key);
  }
}

/** Validates `body` against a schema and returns it typed as a record; throws the Onedata error otherwise. */
export function validateBody(name: SchemaName, body: unknown, keyPrefix = ''): Record<string, unknown> {
  const validator = validators[name];
  if (!validator(body)) {
    const first = validator.errors?.[0];
    fail(first ? translate(first, keyPrefix) : err.malformedData());
  }
  return body as Record<string, unknown>;
}
