/**
 * Onedata error envelope `{"error": {id, description, details?}}` and the error ids the simulator uses.
 * Ids, HTTP codes and detail shapes follow ctool `errors.erl` as described in the reference notes; the
 * descriptions are paraphrased (clients must not parse them).
 */

export interface ErrorJson {
  id: string;
  description: string;
  details?: Record<string, unknown>;
}

const HTTP_STATUS: Record<string, number> = {
  unauthorized: 401,
  forbidden: 403,
  userNotSupported: 403,
  notFound: 404,
  alreadyExists: 409,
  relationAlreadyExists: 409,
  spaceAlreadySupportedWithImportedStorage: 409,
  internalServerError: 500,
  notSupported: 501,
  serviceUnavailable: 503,
  temporaryFailure: 503,
  timeout: 503,
  noConnectionToOnezone: 503,
};

/** An error answer; `body` overrides the envelope (Onepanel's per-storage map). */
export class SimError extends Error {
  override name = 'SimError';
  readonly status: number;
  constructor(
    readonly json: ErrorJson,
    readonly body?: unknown,
  ) {
    super(`${json.id}: ${json.description}`);
    this.status = statusOf(json);
  }
}

/** HTTP status of an error; Onepanel's `errorOnNodes` is sent with its inner error's status (ctool to_http_code). */
export function statusOf(json: ErrorJson): number {
  if (json.id === ERROR_ON_NODES) {
    const inner = json.details?.['error'] as ErrorJson | undefined;
    if (inner && typeof inner.id === 'string') return statusOf(inner);
  }
  return HTTP_STATUS[json.id] ?? 400;
}

export const ERROR_ON_NODES = 'errorOnNodes';

const e = (id: string, description: string, details?: Record<string, unknown>): ErrorJson =>
  details === undefined ? { id, description } : { id, description, details };

export const NAME_RULES =
  'Name must be 2-128 characters long and composed only of UTF-8 letters, digits, brackets and underscores. ' +
  'Dashes, spaces and dots are allowed (but not at the beginning or the end).';

/** Builders for error JSON (also used nested, e.g. `authError`, `tokenError`). */
export const err = {
  unauthorized: (authError?: ErrorJson) =>
    authError
      ? e('unauthorized', 'Provided authentication is not valid (see details).', { authError })
      : e('unauthorized', 'You must authenticate yourself to perform this operation.'),
  forbidden: () => e('forbidden', 'You are not authorized to perform this operation.'),
  notFound: () => e('notFound', 'The resource could not be found.'),
  notSupported: (what: string) => e('notSupported', `${what} is a real Onedata call that onedata-sim does not simulate (docs/onedata-simulator.md).`),
  alreadyExists: () => e('alreadyExists', 'The resource already exists.'),
  serviceUnavailable: () => e('serviceUnavailable', 'Service required for this operation is offline.'),
  temporaryFailure: () => e('temporaryFailure', 'Temporary failure - please try again later.'),
  malformedData: () => e('malformedData', 'Provided data could not be understood by the server.'),
  posix: (errno: string) => e('posix', `Operation failed with POSIX error: ${errno}.`, { errno }),

  badToken: () => e('badToken', 'Provided token could not be understood by the server.'),
  tokenInvalid: () => e('tokenInvalid', 'Provided token is not valid.'),
  tokenRevoked: () => e('tokenRevoked', 'Provided token has been revoked.'),
  tokenCaveatUnverified: (caveat: unknown) => e('tokenCaveatUnverified', 'Provided token is not valid - a caveat could not be verified.', { caveat }),
  tokenSubjectInvalid: () => e('tokenSubjectInvalid', 'The token subject is invalid (does not exist or is different than expected).'),
  notAnAccessToken: (received: unknown) => e('notAnAccessToken', 'Expected an access token, but received another token type.', { received }),
  notAnInviteToken: (expectedInviteType: string, received: unknown) =>
    e('notAnInviteToken', `Expected an invitation token of type '${expectedInviteType}', but received another token type.`, {
      expectedInviteType,
      received,
    }),
  tokenTimeCaveatRequired: (maxTtl: number) =>
    e('tokenTimeCaveatRequired', `You must specify a time caveat with maximum TTL of ${maxTtl} seconds.`, { maxTtl }),
  inviteTokenSubjectNotAuthorized: () =>
    e('inviteTokenSubjectNotAuthorized', 'The subject of this token is not (or no longer) authorized to issue such invitations.'),
  inviteTokenUsageLimitReached: () => e('inviteTokenUsageLimitReached', 'The usage limit of this invite token has been reached.'),
  inviteTokenTargetIdInvalid: (id: string) => e('inviteTokenTargetIdInvalid', `The target id '${id}' is invalid for this type of invite token.`, { id }),

  missingRequiredValue: (key: string) => e('missingRequiredValue', `Missing required value: ${key}.`, { key }),
  missingAtLeastOneValue: (keys: string[]) => e('missingAtLeastOneValue', `Missing data, you must provide at least one of: ${keys.join(', ')}.`, { keys }),
  badData: (key: string, hint?: string) =>
    hint === undefined
      ? e('badData', `Bad value: provided "${key}" has an invalid format or is incomprehensible in the context of this operation.`, { key })
      : e('badData', `Bad value provided for "${key}": ${hint}.`, { key, hint }),
  badValueEmpty: (key: string) => e('badValueEmpty', `Bad value: provided "${key}" must not be empty.`, { key }),
  badValueString: (key: string) => e('badValueString', `Bad value: provided "${key}" must be a string.`, { key }),
  badValueInteger: (key: string) => e('badValueInteger', `Bad value: provided "${key}" must be an integer.`, { key }),
  badValueBoolean: (key: string) => e('badValueBoolean', `Bad value: provided "${key}" must be a boolean.`, { key }),
  badValueJSON: (key: string) => e('badValueJSON', `Bad value: provided "${key}" must be a valid JSON.`, { key }),
  badValueOctal: (key: string) => e('badValueOctal', `Bad value: provided "${key}" is not a valid octal number.`, { key }),
  badValueListOfStrings: (key: string) => e('badValueListOfStrings', `Bad value: provided "${key}" must be a list of strings.`, { key }),
  badValueStringTooLarge: (key: string, limit: number) =>
    e('badValueStringTooLarge', `Bad value: provided "${key}" cannot be larger than ${limit} characters.`, { key, limit }),
  badValueTooLow: (key: string, limit: number) => e('badValueTooLow', `Bad value: provided "${key}" must be at least ${limit}.`, { key, limit }),
  badValueTooHigh: (key: string, limit: number) => e('badValueTooHigh', `Bad value: provided "${key}" must not exceed ${limit}.`, { key, limit }),
  badValueNotInRange: (key: string, low: number, high: number) =>
    e('badValueNotInRange', `Bad value: provided "${key}" must be between ${low} and ${high}.`, { key, low, high }),
  badValueIdNotFound: (key: string) => e('badValueIdNotFound', `Bad value: provided ID ("${key}") does not exist.`, { key }),
  badValueNotAllowed: (key: string, allowed: unknown[]) =>
    e('badValueNotAllowed', `Bad value: provided "${key}" must be one of: ${allowed.join(', ')}.`, { key, allowed }),
  badValueListNotAllowed: (key: string, allowed: unknown[]) =>
    e('badValueListNotAllowed', `Bad value: provided "${key}" must be a list containing zero or more of the allowed values.`, {
      key,
      allowed,
    }),
  badValueIdentifier: (key: string) => e('badValueIdentifier', `Bad value: provided "${key}" is not a valid identifier.`, { key }),
  badValueIdentifierOccupied: (key: string) => e('badValueIdentifierOccupied', `Bad value: provided identifier ("${key}") is already occupied.`, { key }),
  badValueName: (key = 'name') => e('badValueName', `Bad value: ${NAME_RULES}`, { key }),
  badValueFilePath: (key: string) => e('badValueFilePath', `Bad value: provided "${key}" is not a valid file path.`, { key }),
  badValueToken: (key: string, tokenError: ErrorJson) =>
    e('badValueToken', `Bad value: provided "${key}" is not a valid token (see details).`, { key, tokenError }),
  badValueTokenType: (key: string) => e('badValueTokenType', `Bad value: provided "${key}" is not a valid token type.`, { key }),
  badValueCaveat: (caveat: unknown) => e('badValueCaveat', `Provided caveat is invalid: '${JSON.stringify(caveat)}'.`, { caveat }),
  invalidQosExpression: (reason: string) => e('invalidQosExpression', `Invalid QoS expression: ${reason}.`, { reason }),

  relationAlreadyExists: (childType: string, childId: string, parentType: string, parentId: string) =>
    e(
      'relationAlreadyExists',
      `Bad value: ${childType}:${childId} ${childType === 'space' && parentType === 'provider' ? 'is already supported by' : 'is already a member of'} ${parentType}:${parentId}.`,
      { childType, childId, parentType, parentId },
    ),
  relationDoesNotExist: (childType: string, childId: string, parentType: string, parentId: string) =>
    e(
      'relationDoesNotExist',
      `Bad value: ${childType}:${childId} ${childType === 'space' && parentType === 'provider' ? 'is not supported by' : 'is not a member of'} ${parentType}:${parentId}.`,
      { childType, childId, parentType, parentId },
    ),
  cannotRemoveLastOwner: (entityType: string, entityId: string) =>
    e('cannotRemoveLastOwner', 'Cannot remove the last owner - another owner must be assigned first.', { entityType, entityId }),
  spaceAlreadySupportedWithImportedStorage: (spaceId: string, storageId: string) =>
    e('spaceAlreadySupportedWithImportedStorage', `Space ${spaceId} is already supported with an imported storage ${storageId}.`, {
      spaceId,
      storageId,
    }),

  userNotSupported: () => e('userNotSupported', 'Authenticated user is not supported by this Oneprovider.'),
  spaceNotSupportedBy: (spaceId: string, providerId: string) =>
    e('spaceNotSupportedBy', `Space ${spaceId} is not supported by provider ${providerId}.`, { spaceId, providerId }),
  notALocalStorageSupportingSpace: (providerId: string, storageId: string, spaceId: string) =>
    e(
      'notALocalStorageSupportingSpace',
      `Storage ${storageId} does not belong to this Oneprovider (${providerId}) and/or does not support the space ${spaceId}.`,
      { providerId, storageId, spaceId },
    ),
  storageInUse: () => e('storageInUse', 'Specified storage supports a space.'),
  storageTestFailed: (operation: string) => e('storageTestFailed', `Failed to ${operation} test file on storage.`, { operation }),
  requiresAutoStorageImportMode: () => e('requiresAutoStorageImportMode', 'Operation requires space with auto storage import mode.'),
  requiresManualStorageImportMode: () => e('requiresManualStorageImportMode', 'Operation requires space with manual storage import mode.'),
  requiresImportedStorage: (storageId: string) =>
    e('requiresImportedStorage', `Cannot apply for storage ${storageId} - this operation requires an imported storage.`, { storageId }),
  requiresReadonlyStorage: (storageIdOrType: string) =>
    e('requiresReadonlyStorage', `Cannot apply for storage ${storageIdOrType} - this operation requires a readonly storage.`, {
      storageIdOrType,
    }),
  storageImportNotSupported: (storageId: string, objectStorages: string[]) =>
    e(
      'storageImportNotSupported',
      `Cannot configure storage import on storage ${storageId} - this operation requires storage with canonical path type and on object storages (any of: ${objectStorages.join(', ')}) it requires blockSize = 0.`,
      { storageId, objectStorages },
    ),
  autoStorageImportNotSupported: (storageId: string, supportedStorages: string[], supportedObjectStorages: string[]) =>
    e('autoStorageImportNotSupported', `Cannot configure auto storage import on storage ${storageId}.`, {
      storageId,
      supportedStorages,
      supportedObjectStorages,
    }),
  transferAlreadyEnded: () => e('transferAlreadyEnded', 'Specified transfer has already ended.'),

  /**
   * Onepanel's wrapper for an error of a service action: the inner error and the cluster nodes it
   * happened on (ctool errors:to_json of ?ERROR_ON_NODES).
   */
  errorOnNodes: (inner: ErrorJson, hostnames: string[]) =>
    e(ERROR_ON_NODES, `Error on nodes ${hostnames.join(', ')}: ${inner.description}`, { error: inner, hostnames }),
};

/** Throws the given error as an HTTP answer. */
export function fail(json: ErrorJson, body?: unknown): never {
  throw new SimError(json, body);
}

export function errorBody(json: ErrorJson): { error: ErrorJson } {
  return { error: json };
}
