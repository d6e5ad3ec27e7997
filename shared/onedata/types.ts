/**
 * Request and response types of the Onedata 21.02 REST APIs used by s3od, written by hand from the
 * 21.02.7 specs plus the server behaviour the specs get wrong (see docs/onedata.md). Fields the
 * servers add in later versions are tolerated via the index signatures on responses.
 */

export type OnedataService = 'onezone' | 'oneprovider' | 'onepanel';

/** `{ "error": { id, description, details } }`, the envelope all three services send. */
export interface OnedataErrorBody {
  id: string;
  description: string;
  details?: Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------
// Onezone

export interface OnezoneConfiguration {
  name?: string;
  domain: string;
  version: string;
  build?: string;
  compatibleOneproviderVersions?: string[];
  [key: string]: unknown;
}

export interface OnezoneUser {
  userId: string;
  fullName?: string;
  username?: string | null;
  [key: string]: unknown;
}

export interface Subject {
  type: string;
  id: string | null;
}

export interface OnezoneSpace {
  spaceId: string;
  name: string;
  /** Support size in bytes per supporting provider id. */
  providers: Record<string, number>;
  description?: string;
  organizationName?: string;
  tags?: string[];
  creator?: Subject;
  creationTime?: number;
  supportParametersRegistry?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface CreateSpaceRequest {
  groupId: string;
  name: string;
  /**
   * Makes creation idempotent: the server derives the space id from the seed and answers a second
   * create with `409 alreadyExists` (21.02.0-alpha26+).
   */
  idGeneratorSeed?: string;
  description?: string;
  organizationName?: string;
  tags?: string[];
}

export type GroupType = 'organization' | 'unit' | 'team' | 'role_holders';

export interface OnezoneGroup {
  groupId: string;
  name: string;
  type?: string;
  creator?: Subject;
  creationTime?: number;
  [key: string]: unknown;
}

export interface CreateGroupRequest {
  name: string;
  /** @default 'team' (the server default) */
  type?: GroupType;
}

export interface OnezoneShare {
  shareId: string;
  name: string;
  description?: string;
  publicUrl?: string;
  publicRestUrl?: string;
  spaceId?: string;
  /** Public-share ObjectId (not the private file id the share was created for). */
  rootFileId: string;
  fileType?: 'file' | 'dir';
  handleId?: string | null;
  [key: string]: unknown;
}

/** A token caveat, discriminated by `type` (`time`, `ip`, `geo.country`, `data.path`, ...). */
export interface Caveat {
  type: string;
  [key: string]: unknown;
}

export type UsageLimit = number | 'infinity';

export interface CreateGroupInviteTokenRequest {
  /** Creates the token for this user (`POST /users/{id}/tokens/named`, needs `oz_tokens_manage` unless it is the caller). Default: the caller. */
  ownerUserId?: string;
  /** Unique per subject; a duplicate is `400 badValueIdentifierOccupied {key:"name"}`. */
  name: string;
  groupId: string;
  /** Sent at the top level of the body (fs2od's nesting inside `type` is ignored by the server). @default 'infinity' */
  usageLimit?: UsageLimit;
  caveats?: Caveat[];
  /** Group privileges granted to joiners; the default is the server's member profile. */
  privileges?: string[];
  customMetadata?: Record<string, unknown>;
}

/** A named access token (`POST /user/tokens/named` with `type: {accessToken: {}}`). */
export interface CreateAccessTokenRequest {
  /** Unique per subject; a duplicate is `400 badValueIdentifierOccupied {key:"name"}`. */
  name: string;
  /** What confines it (reference notes §2.5): `time`, `data.readonly`, `data.path`, `interface`, … */
  caveats: Caveat[];
  customMetadata?: Record<string, unknown>;
}

export interface CreatedNamedToken {
  tokenId: string;
  /** Serialized token: a secret. */
  token: string;
}

export interface NamedToken {
  /** Token id (the API calls it `id`). */
  tokenId: string;
  name: string;
  /** Serialized token: a secret. */
  token?: string;
  subject?: Subject;
  type?: Record<string, unknown>;
  caveats?: Caveat[];
  metadata?: {
    creationTime?: number;
    usageLimit?: UsageLimit;
    usageCount?: number;
    privileges?: string[];
    custom?: Record<string, unknown>;
    [key: string]: unknown;
  };
  revoked?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Oneprovider

export interface OneproviderConfiguration {
  providerId: string;
  name?: string;
  domain?: string;
  onezoneDomain?: string;
  version: string;
  build?: string;
  [key: string]: unknown;
}

export interface OneproviderSpace {
  spaceId: string;
  name: string;
  /** Object id of the space root directory. */
  dirId: string;
  trashDirId?: string;
  archivesDirId?: string;
  providers?: Array<{ providerId: string; providerName?: string }>;
  [key: string]: unknown;
}

export interface CreateShareRequest {
  name: string;
  /** Object id of the shared file or directory (the space root `dirId` shares the whole space). */
  rootFileId: string;
  /** Markdown, at most 100 000 bytes. */
  description?: string;
  /**
   * Accepted for callers' convenience but not sent: 21.02 derives the type from the file and its
   * create endpoint has no such field.
   */
  fileType?: 'file' | 'dir';
}

export interface OneproviderShare {
  shareId: string;
  name: string;
  description: string;
  publicUrl: string;
  publicRestUrl?: string;
  spaceId: string;
  /**
   * The public-share ObjectId of the shared file, NOT the id passed as `rootFileId` at creation:
   * it cannot be compared with a space's `dirId` to find the share of a directory.
   */
  rootFileId: string;
  rootFileType?: 'REG' | 'DIR' | 'SYMLNK' | string;
  handleId?: string | null;
  [key: string]: unknown;
}

export interface UpdateShareRequest {
  name?: string;
  description?: string;
}

export interface FileAttributes {
  fileId?: string;
  name?: string;
  type?: string;
  size?: number | null;
  [key: string]: unknown;
}

export interface RegisterFileRequest {
  spaceId: string;
  storageId: string;
  /** Path on a POSIX/canonical object storage (`/dir/file.txt`) or a URL on HTTP storage. */
  storageFileId: string;
  /** Path inside the space (without the space name); missing parent directories are created. */
  destinationPath: string;
  size?: number;
  mode?: string;
  atime?: number;
  mtime?: number;
  ctime?: number;
  /** Integers, although the spec says strings. */
  uid?: number;
  gid?: number;
  autoDetectAttributes?: boolean;
  xattrs?: Record<string, string>;
  json?: Record<string, unknown>;
  /** Base64-encoded RDF. */
  rdf?: string;
}

export interface AddQosRequirementRequest {
  fileId: string;
  expression: string;
  /** @default 1 */
  replicasNum?: number;
}

export interface QosRequirement {
  qosRequirementId?: string;
  fileId: string;
  expression: string;
  replicasNum: number;
  status: 'fulfilled' | 'pending' | 'impossible' | string;
  [key: string]: unknown;
}

export interface QosSummary {
  requirements: Record<string, 'fulfilled' | 'pending' | 'impossible' | string>;
  status: 'fulfilled' | 'pending' | 'impossible' | string;
}

export interface TransferStatus {
  type: string;
  transferStatus: string;
  replicationStatus?: string;
  evictionStatus?: string;
  spaceId?: string;
  fileId?: string | null;
  filesToProcess?: number;
  filesProcessed?: number;
  filesFailed?: number;
  filesReplicated?: number;
  bytesReplicated?: number;
  replicatingProviderId?: string | null;
  [key: string]: unknown;
}

// ---------------------------------------------------------------------------------------------
// Onepanel

export interface OnepanelConfiguration {
  version: string;
  build?: string;
  deployed?: boolean;
  serviceType?: 'oneprovider' | 'onezone';
  clusterId?: string | null;
  providerId?: string;
  zoneDomain?: string;
  isRegistered?: boolean;
  [key: string]: unknown;
}

/** Fields every storage type accepts. */
export interface StorageCommonSpec {
  /** Storage name (the key of the create map); must follow the Onedata name rules. Not unique. */
  name: string;
  /** Storage operation timeout in ms. */
  timeout?: number;
  lumaFeed?: 'auto' | 'local' | 'external';
  lumaFeedUrl?: string;
  lumaFeedApiKey?: string;
  qosParameters?: Record<string, string>;
  /** The storage holds existing data to import; one imported storage can support one space only. */
  importedStorage?: boolean;
  archiveStorage?: boolean;
  /** Allowed only together with `importedStorage: true`. */
  readonly?: boolean;
}

export interface PosixStorageSpec extends StorageCommonSpec {
  type: 'posix';
  /** Absolute path, mounted on every op-worker node. */
  mountPoint: string;
  /** POSIX only allows canonical paths. */
  storagePathType?: 'canonical';
  rootUid?: number;
  rootGid?: number;
}

export interface S3StorageSpec extends StorageCommonSpec {
  type: 's3';
  /** URL with scheme and optional port, e.g. `https://s3.example.org:443`. */
  hostname: string;
  bucketName: string;
  accessKey?: string;
  secretKey?: string;
  region?: string;
  signatureVersion?: 4;
  verifyServerCertificate?: boolean;
  /** Must be 0 on an imported storage (server default 10 MiB). */
  blockSize?: number;
  /** Must be `canonical` on an imported storage (server default `flat`). */
  storagePathType?: 'canonical' | 'flat';
  maximumCanonicalObjectSize?: number;
  /** Octal string, e.g. `0664`. */
  fileMode?: string;
  dirMode?: string;
}

export type StorageSpec = PosixStorageSpec | S3StorageSpec;

export interface StorageDetails {
  id: string;
  name: string;
  type: string;
  importedStorage?: boolean;
  readonly?: boolean;
  [key: string]: unknown;
}

export interface AutoStorageImportConfig {
  maxDepth?: number;
  syncAcl?: boolean;
  continuousScan?: boolean;
  /** Seconds between the end of one scan and the start of the next (continuous scans only). */
  scanInterval?: number;
  detectModifications?: boolean;
  detectDeletions?: boolean;
}

export interface StorageImportRequest {
  /** Fixed once the space is supported. @default 'auto' */
  mode: 'auto' | 'manual';
  autoStorageImportConfig?: AutoStorageImportConfig;
}

export interface SupportSpaceRequest {
  /** Serialized `supportSpace` invite token (a secret). */
  token: string;
  /** Bytes; at least 1 000 000 by default server configuration. */
  size: number;
  storageId: string;
  /** Used only when the storage is imported; ignored otherwise. */
  storageImport?: StorageImportRequest;
  accountingEnabled?: boolean;
  dirStatsServiceEnabled?: boolean;
}

export interface SpaceSupportDetails {
  id: string;
  name: string;
  storageId: string;
  localStorages?: string[];
  supportingProviders: Record<string, number>;
  storageImport?: { mode: 'auto' | 'manual'; autoStorageImportConfig?: AutoStorageImportConfig };
  spaceOccupancy?: number;
  importedStorage?: boolean;
  accountingEnabled?: boolean;
  dirStatsServiceEnabled?: boolean;
  dirStatsServiceStatus?: string;
  [key: string]: unknown;
}

export interface UpdateSpaceSupportRequest {
  size?: number;
  /** Applied only in `auto` import mode; silently ignored in `manual` mode. */
  autoStorageImportConfig?: AutoStorageImportConfig;
  accountingEnabled?: boolean;
  dirStatsServiceEnabled?: boolean;
}

export interface AutoStorageImportInfo {
  /** `enqueued|running|aborting|completed|failed|aborted` (typed as string: the server may add more). */
  status: string;
  start?: number | null;
  stop?: number | null;
  createdFiles?: number;
  modifiedFiles?: number;
  deletedFiles?: number;
  unmodifiedFiles?: number;
  failedFiles?: number;
  nextScan?: number | null;
  totalScans?: number;
  [key: string]: unknown;
}

/**
 * Options of create calls whose objects have no server-side guard against duplicates (storage,
 * group, share). `retry: false` sends the POST once: after a lost answer the caller looks for the
 * object before creating it again, rather than the client blindly re-sending.
 */
export interface CreateOptions {
  retry?: boolean;
}
