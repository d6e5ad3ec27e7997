/** In-memory entities of the simulated Onezone, Oneproviders and Onepanels. Times ending in `Ms` are epoch ms; the rest are epoch seconds like the APIs. */
import type { Caveat, TokenType } from './tokens.ts';

/** A membership edge with its privileges. Providers know about it from `visibleAtMs` on (propagation delay). */
export interface Relation {
  privileges: string[];
  sinceMs: number;
  visibleAtMs: number;
}

export interface Subject {
  type: 'user' | 'nobody';
  id: string | null;
}

export interface User {
  id: string;
  username: string;
  fullName: string;
  creationTime: number;
  ozPrivileges: string[];
  /** Bumped by `DELETE /user/tokens/temporary`; older temporary tokens become revoked. */
  temporaryTokenGeneration: number;
}

export interface Group {
  id: string;
  name: string;
  type: 'organization' | 'unit' | 'team' | 'role_holders';
  creationTime: number;
  creator: Subject | null;
  users: Map<string, Relation>;
  children: Map<string, Relation>;
}

export interface Space {
  id: string;
  name: string;
  description: string;
  organizationName: string;
  tags: string[];
  advertisedInMarketplace: boolean;
  marketplaceContactEmail: string;
  creationTime: number;
  creator: Subject;
  users: Map<string, Relation>;
  groups: Map<string, Relation>;
  owners: Set<string>;
  /** Set when deleted in Onezone; providers keep seeing the space until `forgetAtMs`. */
  deletedAtMs?: number;
  forgetAtMs?: number;
}

export interface NamedToken {
  id: string;
  name: string;
  subjectUserId: string;
  type: TokenType;
  caveats: Caveat[];
  customMetadata: Record<string, unknown>;
  revoked: boolean;
  creationTime: number;
  usageLimit: number | 'infinity';
  usageCount: number;
  privileges: string[] | null;
  secret: string;
  serialized: string;
}

/** Temporary tokens are not stored by Onezone; the simulator keeps a note of them for inspection only. */
export interface TemporaryTokenNote {
  id: string;
  subjectUserId: string;
  type: TokenType;
  caveats: Caveat[];
  generation: number;
  issuedAt: number;
}

export interface Share {
  id: string;
  name: string;
  description: string;
  spaceId: string;
  rootFileUuid: string;
  rootFileType: 'REG' | 'DIR';
  creationTime: number;
  creator: Subject;
  handleId: null;
}

export interface StorageObject {
  size: number;
  mtime: number;
}

export interface Storage {
  id: string;
  providerId: string;
  name: string;
  type: string;
  /** Type-specific parameters with defaults applied (secrets included; censored on GET). */
  params: Record<string, unknown>;
  importedStorage: boolean;
  readonly: boolean;
  archiveStorage: boolean;
  qosParameters: Record<string, string>;
  lumaFeed: string;
  createdAtMs: number;
  /** Simulated objects on the storage (`POST /_sim/storage-content`); null = unknown, anything goes. */
  content: Map<string, StorageObject> | null;
}

export interface AutoImportConfig {
  maxDepth: number;
  syncAcl: boolean;
  continuousScan: boolean;
  scanInterval: number;
  detectModifications: boolean;
  detectDeletions: boolean;
}

export type ScanStatus = 'enqueued' | 'running' | 'aborting' | 'completed' | 'failed' | 'aborted';

export interface ScanInfo {
  status: ScanStatus;
  start: number;
  stop: number;
  createdFiles: number;
  modifiedFiles: number;
  deletedFiles: number;
  unmodifiedFiles: number;
  failedFiles: number;
  totalScans: number;
  nextScan?: number;
}

export interface Support {
  spaceId: string;
  providerId: string;
  storageId: string;
  size: number;
  sinceMs: number;
  /** When the Oneprovider starts serving the space. */
  visibleAtMs: number;
  /** Support ceased in Onezone; the provider forgets it at `forgetAtMs`. */
  removedAtMs?: number;
  forgetAtMs?: number;
  accountingEnabled: boolean;
  dirStatsServiceEnabled: boolean;
  /** null when the storage is not imported. */
  importMode: 'auto' | 'manual' | null;
  autoConfig: AutoImportConfig | null;
  scan: ScanInfo | null;
}

export interface Provider {
  id: string;
  name: string;
  domain: string;
  clusterId: string;
  url: string;
  /** Cluster members and their cluster privileges (decides Onepanel authorization). */
  cluster: Map<string, string[]>;
  storages: Map<string, Storage>;
  supports: Map<string, Support>;
}

export type FileType = 'REG' | 'DIR';

export interface FileNode {
  uuid: string;
  spaceId: string;
  name: string;
  type: FileType;
  parentUuid: string | null;
  children: Map<string, string>;
  size: number;
  mode: string;
  atime: number;
  mtime: number;
  ctime: number;
  creationTime: number;
  ownerId: string | null;
  originProviderId: string | null;
  origin: 'space-root' | 'registered' | 'imported' | 'implicit-dir';
  storageId?: string;
  storageFileId?: string;
  xattrs: Record<string, string>;
  jsonMetadata?: unknown;
}

export interface Registration {
  spaceId: string;
  providerId: string;
  storageId: string;
  storageFileId: string;
  destinationPath: string;
  fileUuid: string;
  firstAtMs: number;
  lastAtMs: number;
  count: number;
}

export interface QosRequirement {
  id: string;
  spaceId: string;
  fileUuid: string;
  expression: string;
  replicasNum: number;
  status: 'fulfilled' | 'pending' | 'impossible';
  providerId: string;
  creationTime: number;
  userId: string;
}

export interface Transfer {
  id: string;
  type: 'replication' | 'eviction' | 'migration';
  userId: string;
  spaceId: string;
  dataSourceType: 'file' | 'view';
  fileUuid: string | null;
  viewName: string | null;
  replicatingProviderId: string | null;
  evictingProviderId: string | null;
  callback: string | null;
  status: 'scheduled' | 'replicating' | 'evicting' | 'completed' | 'cancelled' | 'failed';
  scheduleTime: number;
  startTime: number;
  finishTime: number;
  filesToProcess: number;
  bytesToProcess: number;
  providerId: string;
  /** The regular files this transfer copies (fixed when it is scheduled). */
  fileUuids: string[];
  /** Set for the transfers a QoS requirement started to reach its replicas. */
  qosRequirementId?: string;
  scheduledAtMs: number;
  durationMs: number;
}
