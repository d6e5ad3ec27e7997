/**
 * The s3od configuration: one YAML file (fs2od's key names where the meaning is the same) plus
 * secrets from environment variables. `validateConfig` (shared/config/load.ts, reached through
 * `configFromEnv`, `loadConfigFile` and `parseConfig`) validates everything at start and names the
 * key that is wrong and why.
 */

/** The storage modes' names; their behaviour is in shared/storage-modes. */
export type StorageModeName = 's3' | 'posix';

import type { MetadataTags } from '../metadata/section.ts';

/** The section and key names of our part of a metadata file (fs2od's `metadataFileTags`). */
export type MetadataFileTags = MetadataTags;

export interface S3odConfig {
  /** The facility bucket whose notifications drive s3od. */
  bucket: string;
  /** Key prefixes whose immediate "sub-folders" are datasets; each path component may be a glob. "" = bucket root. */
  watchedDirectories: string[];
  /** Names of the dataset's metadata file; the first one present in the folder is used. */
  metadataFiles: string[];
  metadataFileTags: MetadataFileTags;
  fs2odMetadataFile: { enabled: boolean; filename: string; storeAccessInfo: boolean };
  /**
   * The keys of `.fs2od` that ask for removal from the facility (fs2od's
   * `metadataFileTags.deniedProviders` / `.removingTime`; defaults `DeniedProviders`, `RemovingTime`).
   */
  fs2odExpiryKeys: { deniedProviders: string; removingTime: string };
  continousFileImport: {
    enabled: boolean;
    runningFileName: string;
    scanInterval: number;
    detectModifications: boolean;
    detectDeletions: boolean;
  };
  institutionName: string;
  datasetPrefix: string;
  testMode: boolean;
  testModePrefix: string;
  importMetadata: boolean;
  parseMetadataToShare: boolean;
  /** Support size in bytes (fs2od's default 10 TiB stands for "unlimited"). */
  implicitSpaceSize: number;
  managerGroupId: string;
  userGroupId: string;
  serviceUserId: string;
  storageMode: StorageModeName;
  /**
   * posix mode. `publishInviteToken`: write the invite token into the dataset's folder (our section,
   * `.fs2od`), which posix mode imports into the space and so publishes through its share. Default
   * false: the folder gets a placeholder instead (see docs/security.md).
   */
  posixStorage: { mountRoot: string; publishInviteToken: boolean };
  s3Storage: { endpoint: string; bucketName: string };
  restAccess: {
    onezone: { host: string };
    /** The primary first. `storageIds`: fs2od's key — on a secondary, the storages it keeps replicas on (the first one is used). */
    oneproviders: { host: string; isPrimary: boolean; storageIds: string[] }[];
  };
  /** Replicas on the secondary Oneproviders and removal from the primary (fs2od's keys; docs/lifecycle.md). */
  dataReplication: {
    enabled: boolean;
    /** Replicas including the primary's copy, as fs2od counts them (QoS `replicasNum`). */
    numberOfReplicas: number;
    qosExpression: string;
    /** Support size on each secondary, in bytes (default: implicitSpaceSize). */
    supportSize: number;
    /** Delay from `DeniedProviders: [primary]` being noticed to removal (duration grammar). */
    timeUntilRemoved: string;
    /** Delete the dataset's objects from the facility bucket once the primary support is revoked. */
    removeFromFilesystem: boolean;
  };
  lifecycle: {
    /** Default retention at the facility from provisioning on (duration grammar; `never`). */
    retention: string;
    /** What happens when a dataset's metadata file is removed from the bucket. */
    onMetadataRemoved: 'record' | 'delete';
    /** Reminder offsets before expiry (fs2od's `timeBeforeAction` grammar). */
    timeBeforeAction: string[];
    /** Default embargo before publication (shared/lifecycle/embargo.ts): a date, a duration from first seen, or `none`. */
    embargo: string;
  };
  /** Email (docs/notifications.md): fs2od's `messaging` keys; the SMTP password is S3OD_SMTP_PASSWORD. */
  messaging: {
    email: {
      enabled: boolean;
      smtpServer: string;
      smtpPort: number;
      login: string;
      encryptionMethod: EncryptionMethod;
      /** The From header: `addr` or `Name <addr>`. */
      messageSender: string;
      timeoutSeconds: number;
      /** A PEM file of the CA that signed the SMTP server's certificate (on premises); empty: the system's CAs. */
      caFile: string;
      language: string;
      /** Recipient entries per event (the mini-language of shared/notifications/recipients.ts). */
      to: { spaceCreation: string[]; spaceDeletion: string[]; failure: string[] };
      timeBeforeAction: string[];
      /** Accepted but worth telling the operator at start (fs2od's STRATTLS, a language without templates). */
      warnings: string[];
    };
  };
  /**
   * DAREG, the dataset register (fs2od's `dareg` keys; shared/dareg, docs/dareg.md). `token`: the
   * config file's value (fs2od kept it there); S3OD_DAREG_TOKEN (`S3odSecrets.daregToken`) wins.
   */
  dareg: { enabled: boolean; host: string; token: string; originInstancePk: number; timeoutSeconds: number };
  inviteToken: { usageLimit: number | 'infinity'; validForSeconds: number };
  spacePrivileges: string[];
  /** Bounds on one metadata file (see docs/metadata.md): its size, nesting, nodes and total text. */
  limits: { metadataMaxBytes: number; metadataMaxDepth: number; metadataMaxNodes: number; metadataMaxTotalScalarLength: number };
  onedata: { timeoutMs: number; retries: number; concurrency: number; providerWaitSeconds: number; providerPollMaxMs: number; supportTokenTtlSeconds: number };
  import: { coalesceWindowSeconds: number; registrationConcurrency: number; registrationBatchSize: number; shrinkOnFreeze: boolean; maxParallelScans: number };
  provisioning: { leaseSeconds: number; maxAttempts: number };
}

/** `SSL` is implicit TLS (fs2od's `SSL` and `TLS`), `STARTTLS` an upgrade the server must offer, `ANY` plain. */
export type EncryptionMethod = 'SSL' | 'STARTTLS' | 'ANY';

/** Secrets and deployment wiring: environment only, never in the config file. */
export interface S3odSecrets {
  onezoneToken: string;
  oneproviderToken: string;
  storageAccessKey?: string;
  storageSecretKey?: string;
  /** S3OD_SMTP_PASSWORD: with `messaging.credentials.email.login`, the SMTP AUTH password. */
  smtpPassword?: string;
  /** S3OD_DAREG_TOKEN: the DAREG API token (`Authorization: Token …`); preferred to `dareg.token` in the config file. */
  daregToken?: string;
}

export { DEFAULT_TAGS } from '../metadata/section.ts';

/** fs2od's read-only set: browse, read, and add one's own provider support (for replicas). */
export const READ_ONLY_SPACE_PRIVILEGES = ['space_view', 'space_view_privileges', 'space_read_data', 'space_add_support'];
