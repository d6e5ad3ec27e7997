import type { DatasetRef } from '../dataset/ref.ts';

/** `deleted`: its Onedata objects were deleted (docs/lifecycle.md); a new upload of the metadata file provisions afresh. */
export type DatasetStatus = 'pending' | 'provisioning' | 'provisioned' | 'failed' | 'deleted';

/** Ids and values the provisioning steps produced; each is recorded as soon as it exists. */
export interface ProvisioningOutputs {
  onedataName?: string;
  spaceId?: string;
  storageId?: string;
  groupId?: string;
  supported?: boolean;
  inviteTokenId?: string;
  inviteTokenName?: string;
  /** The serialized invite token: needed to restore the metadata section if an operator drops it. */
  inviteToken?: string;
  member?: boolean;
  rootFileId?: string;
  shareId?: string;
  /**
   * The share's root as the public sees it (`rootFileId` of GET /shares/{id}: not the space's
   * `rootFileId`). The download command of the share's description takes it.
   */
  shareFileId?: string;
  publicUrl?: string;
  /** While an embargo holds the share back: its end (ISO), as the file last said (shared/lifecycle/embargo.ts). */
  embargoedUntil?: string;
  /** Hash of the metadata (without our section) last published as JSON metadata / share description. */
  publishedMetadataHash?: string;
  writtenBack?: boolean;
  importStarted?: boolean;
  /** Supports of the secondary Oneproviders that keep replicas, one per provider (docs/lifecycle.md). */
  replicaSupports?: ReplicaSupport[];
  /** The QoS requirement on the space root that keeps the replicas, with what it asks for. */
  qosRequirementId?: string;
  qosExpression?: string;
  replicasNum?: number;
}

export interface ReplicaSupport {
  /** The provider as configured (`restAccess.oneproviders[].host`). */
  url: string;
  providerId: string;
  storageId: string;
  supportedAt: string;
}

export interface StepError {
  step: string;
  message: string;
  /** The Onedata error id (e.g. "forbidden", "badValueName"), when the error came from Onedata. */
  onedataErrorId?: string;
  /** s3od's own code for a permanent failure (e.g. "TOO_LARGE", "FS2OD_PROVISIONED"). */
  code?: string;
  permanent: boolean;
  at: string;
}

/** Progress of keeping the space in step with the bucket (see docs/importing.md). */
export interface ImportProgress {
  registered: number;
  failed: number;
  removed: number;
  lastImportAt?: string;
  /** The initial listing of objects that arrived before the space existed. */
  listing?: { done: boolean; startAfter?: string; listed: number };
  /** posix mode: coalesced storage-import scans. */
  scan?: {
    /** A scan job is queued to start at this time; events before it need no other scan. */
    scheduledFor?: string;
    /** When s3od last force-started a scan (the coalescing window counts from here). */
    startedAt?: string;
    forceStarts?: number;
    /** The provider's storage-import info, as last read. */
    status?: string;
    createdFiles?: number;
    modifiedFiles?: number;
    deletedFiles?: number;
  };
  /** `.running` marker present: the dataset is still growing. */
  growing?: boolean;
  /** The removal of `.running` the last freeze was claimed for; that freeze is done once `frozenAt` is set. */
  frozenFor?: string;
  frozenAt?: string;
  /** Support size after the freeze. */
  frozenSize?: number;
}

/**
 * An access token `s3od access` issued for a compute site (docs/access.md). Only its id and what it
 * allows are recorded, never the serialized token: the record is readable by operators and
 * tooling, the token is a credential.
 */
export interface AccessGrant {
  tokenId: string;
  /** Its Onedata name (unique per owner): `s3od-access-<n>_<onedata name>`. */
  name: string;
  issuedAt: string;
  expiresAt: string;
  /** The Oneprovider the snippets point to. */
  providerUrl: string;
  providerId?: string;
  /** The caveats in words, e.g. "time < 2026-12-11T14:00:00Z, data.readonly, data.path /<spaceId>". */
  caveats: string;
  revokedAt?: string;
}

/** The per-dataset record s3od keeps in the bucket under `.s3od/state/<id>.json`. */
export interface DatasetState {
  schema: 1;
  dataset: DatasetRef;
  status: DatasetStatus;
  metadataFile?: string;
  /** ETag of the metadata version last provisioned (or rejected). */
  metadataEtag?: string;
  outputs: ProvisioningOutputs;
  /** Step name → when it completed. */
  completedSteps: Record<string, string>;
  attempts: number;
  lastError?: StepError;
  /** Why the dataset failed, in words an operator can act on. */
  failureReason?: string;
  /**
   * Reconcile's re-queues of one metadata-file version (shared/reconcile/requeue-backoff.ts): spaced
   * exponentially, and stopped after a limit. A new version starts again at zero; `s3od retry`
   * removes it.
   */
  requeues?: { etag: string; count: number; lastAt: string };
  /** Access tokens issued with `s3od access` (ids only); written by the CLI, kept by the saga's saves. */
  access?: AccessGrant[];
  /**
   * How many times the dataset's Onedata objects were deleted: a later provisioning uses a new space
   * id seed (`s3od:<id>:<generation>`), so it never meets the deleted space's seed.
   */
  generation?: number;
  deletedAt?: string;
  /** Replication progress, expiry at the facility and deletion (shared/lifecycle, docs/lifecycle.md). */
  lifecycle?: LifecycleState;
  /** Mail sent or being sent about the dataset, one entry per event and recipient (shared/notifications/ledger.ts). */
  mail?: Record<string, MailDelivery>;
  /**
   * Mail events the dataset is still owed (written with the outcome they report, e.g. with
   * `provisioned`): a crash before or during the send leaves it here, so the next run — not
   * the cheap exit of a repeated event — finishes the mail. Removed once no recipient is owed.
   */
  mailDue?: string[];
  /**
   * What DAREG, the dataset register, is owed and has got (shared/dareg): planned in the write
   * that records `provisioned`, delivered under the lease after it, finished by later runs.
   */
  dareg?: DaregRecord;
  /** Held by the worker running the saga; expires so a crashed worker's run can resume. */
  lease?: { owner: string; expiresAt: string; etag?: string };
  import: ImportProgress;
  createdAt: string;
  updatedAt: string;
  provisionedAt?: string;
  /** The last HISTORY_LIMIT runs and failures, newest last. */
  history: { at: string; event: string; detail?: string }[];
}

/**
 * One mail to one recipient about one event: `sending` is written before the message goes out and
 * `sent` after, so a crash in between resends once (at most one extra message), never none.
 */
export interface MailDelivery {
  event: string;
  /** The recipient's address (addresses are records of the people the operator or the file named). */
  address: string;
  kind: 'to' | 'cc' | 'bcc';
  state: 'sending' | 'sent' | 'failed';
  attempts: number;
  lastAttemptAt: string;
  sentAt?: string;
  /** The SMTP server's answer or the connection error (never the message). */
  lastError?: string;
}

/**
 * The calls owed to DAREG for the dataset's space (shared/dareg/ledger.ts). A call leaves `due`
 * once DAREG answered it, in order: the dataset first (the log entries refer to it).
 */
export interface DaregRecord {
  /** The space the calls are about: a new space (after a deletion) plans afresh. */
  spaceId: string;
  /** Still owed, in the order they go out: `dataset`, `log:<step>`…, `access`, `log:done`. */
  due: string[];
  /** Answered by DAREG: call → when. */
  done: Record<string, string>;
  /** Written before the first dataset POST: from then on the dataset is looked up before it is created (a lost answer). */
  registerSentAt?: string;
  /** A hash of the access information last PATCHed (never the token): a new public URL (an embargo's end) is sent again. */
  accessSentFor?: string;
  /** Delivery runs in a row that stopped on a failure; reset by a run that finishes, and by `s3od retry`. */
  failures: number;
  lastAttemptAt?: string;
  /** DAREG's answer or the connection error of the last failed run (never a token). */
  lastError?: string;
}

/** Replication as last observed on each provider. */
export interface ReplicationProgress {
  /** `pending` (transfers running), `fulfilled` (every file has its replicas), `impossible`. */
  qosStatus: string;
  checkedAt: string;
  /** When the requirement was first seen fulfilled (the "replication complete" moment). */
  completeAt?: string;
  /**
   * When the lifecycle pass found its "every replica complete" line (`Replicas: "2 copies complete
   * (…)"`) in our section of the file — written by it, or already there; set once, never written again.
   */
  notedInFileAt?: string;
  providers: {
    url: string;
    providerId: string;
    filesToProcess: number;
    filesReplicated: number;
    bytesReplicated: number;
    transfersOngoing: number;
  }[];
}

/**
 * The countdown to leaving the facility and its safe order (docs/lifecycle.md): `scheduled` →
 * (`waiting-for-replicas` while the QoS requirement is not fulfilled elsewhere) → the primary's
 * support revoked → (objects deleted from the facility bucket only when asked) → `expired`.
 * `cancelled` when the request went away before the revocation; after it nothing is undone.
 */
export interface ExpiryState {
  state: 'scheduled' | 'waiting-for-replicas' | 'expired' | 'cancelled';
  source: 'fs2od' | 'metadata' | 'config';
  spec: string;
  removeAt: string;
  /** When s3od first saw the request (fs2od's countdown starts here). */
  noticedAt: string;
  remindersSent: string[];
  /** Why it waits (no replica elsewhere yet, nothing replicated at all). */
  waitingFor?: string;
  primaryRevokedAt?: string;
  removeFromFilesystem: boolean;
  objectsDeletedAt?: string;
  objectsDeleted?: number;
  cancelledAt?: string;
}

export interface LifecycleState {
  replication?: ReplicationProgress;
  expiry?: ExpiryState;
  /** A deletion under way or done: why, and what the objects were (ids, for the operator). */
  deletion?: { reason: string; startedAt: string; finishedAt?: string; deleted?: { what: string; id: string }[] };
  /** When the lifecycle pass found the metadata file gone (policy `lifecycle.onMetadataRemoved: record`). */
  metadataRemovedAt?: string;
}

export function newDatasetState(dataset: DatasetRef, now = new Date()): DatasetState {
  const at = now.toISOString();
  return {
    schema: 1,
    dataset,
    status: 'pending',
    outputs: {},
    completedSteps: {},
    attempts: 0,
    import: { registered: 0, failed: 0, removed: 0 },
    createdAt: at,
    updatedAt: at,
    history: [],
  };
}

/** Keep the record small: the last few history entries are enough to tell what happened. */
export const HISTORY_LIMIT = 30;

export function addHistory(state: DatasetState, event: string, detail?: string, now = new Date()): void {
  state.history.push({ at: now.toISOString(), event, ...(detail ? { detail } : {}) });
  if (state.history.length > HISTORY_LIMIT) state.history.splice(0, state.history.length - HISTORY_LIMIT);
}
