/**
 * The logical file tree of each space (space root, registered and imported files, implicit parent
 * directories) and the file attribute rendering of `GET /data/{id}`.
 */
import { err, fail } from './errors.ts';
import { fileObjectId, randomId, spaceRootUuid } from './ids.ts';
import type { FileNode, FileType } from './model.ts';
import type { Sim } from './sim.ts';

export function spaceRoot(sim: Sim, spaceId: string): FileNode {
  const files = sim.state.spaceFiles(spaceId);
  const uuid = spaceRootUuid(spaceId);
  let root = files.get(uuid);
  if (!root) {
    const t = sim.state.spaces.get(spaceId)?.creationTime ?? sim.nowS();
    root = {
      uuid,
      spaceId,
      name: '',
      type: 'DIR',
      parentUuid: null,
      children: new Map(),
      size: 0,
      mode: '775',
      atime: t,
      mtime: t,
      ctime: t,
      creationTime: t,
      ownerId: null,
      originProviderId: null,
      origin: 'space-root',
      xattrs: {},
    };
    files.set(uuid, root);
  }
  return root;
}

/** Path segments of a space-relative path; null when empty or containing `.`/`..`. */
export function splitPath(path: string): string[] | null {
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.length === 0 || parts.some((p) => p === '.' || p === '..')) return null;
  return parts;
}

function newNode(
  sim: Sim,
  spaceId: string,
  name: string,
  type: FileType,
  parent: FileNode,
  origin: FileNode['origin'],
  providerId: string | null,
  ownerId: string | null,
): FileNode {
  const t = sim.nowS();
  const node: FileNode = {
    uuid: randomId(),
    spaceId,
    name,
    type,
    parentUuid: parent.uuid,
    children: new Map(),
    size: 0,
    mode: type === 'DIR' ? '775' : '664',
    atime: t,
    mtime: t,
    ctime: t,
    creationTime: t,
    ownerId,
    originProviderId: providerId,
    origin,
    xattrs: {},
  };
  sim.state.spaceFiles(spaceId).set(node.uuid, node);
  parent.children.set(name, node.uuid);
  return node;
}

/** Finds or creates the file at `segments`, creating missing parent directories. */
export function ensureFile(
  sim: Sim,
  spaceId: string,
  segments: string[],
  origin: 'registered' | 'imported',
  providerId: string,
  ownerId: string | null,
): { node: FileNode; created: number } {
  const files = sim.state.spaceFiles(spaceId);
  let dir = spaceRoot(sim, spaceId);
  let created = 0;
  for (const name of segments.slice(0, -1)) {
    const existing = dir.children.get(name);
    const next = existing ? files.get(existing) : undefined;
    if (next && next.type !== 'DIR') fail(err.posix('enotdir'));
    if (next) dir = next;
    else {
      dir = newNode(sim, spaceId, name, 'DIR', dir, 'implicit-dir', providerId, ownerId);
      created++;
    }
  }
  const leafName = segments[segments.length - 1] as string;
  const existing = dir.children.get(leafName);
  const leaf = existing ? files.get(existing) : undefined;
  if (leaf) {
    if (leaf.type === 'DIR') fail(err.posix('eisdir'));
    return { node: leaf, created };
  }
  return { node: newNode(sim, spaceId, leafName, 'REG', dir, origin, providerId, ownerId), created: created + 1 };
}

export function findByPath(sim: Sim, spaceId: string, segments: string[]): FileNode | undefined {
  const files = sim.state.spaceFiles(spaceId);
  let node: FileNode | undefined = spaceRoot(sim, spaceId);
  for (const name of segments) {
    const uuid: string | undefined = node?.children.get(name);
    node = uuid ? files.get(uuid) : undefined;
    if (!node) return undefined;
  }
  return node;
}

/** Removes a file (and, for directories, everything below it). Returns how many nodes were removed. */
export function removeNode(sim: Sim, node: FileNode): number {
  const files = sim.state.spaceFiles(node.spaceId);
  let removed = 1;
  for (const childUuid of node.children.values()) {
    const child = files.get(childUuid);
    if (child) removed += removeNode(sim, child);
  }
  files.delete(node.uuid);
  if (node.parentUuid) files.get(node.parentUuid)?.children.delete(node.name);
  return removed;
}

export function displayName(sim: Sim, node: FileNode): string {
  return node.origin === 'space-root' ? (sim.state.spaces.get(node.spaceId)?.name ?? node.spaceId) : node.name;
}

export function logicalPath(sim: Sim, node: FileNode): string {
  const files = sim.state.spaceFiles(node.spaceId);
  const names: string[] = [];
  for (let n: FileNode | undefined = node; n; n = n.parentUuid ? files.get(n.parentUuid) : undefined) names.unshift(displayName(sim, n));
  return `/${names.join('/')}`;
}

export function logicalSize(sim: Sim, node: FileNode): number {
  if (node.type === 'REG') return node.size;
  const files = sim.state.spaceFiles(node.spaceId);
  let total = 0;
  for (const uuid of node.children.values()) {
    const child = files.get(uuid);
    if (child) total += logicalSize(sim, child);
  }
  return total;
}

const NEW_ATTRIBUTES = [
  'fileId',
  'index',
  'type',
  'activePermissionsType',
  'posixPermissions',
  'acl',
  'name',
  'conflictingName',
  'path',
  'parentFileId',
  'displayGid',
  'displayUid',
  'creationTime',
  'atime',
  'mtime',
  'ctime',
  'size',
  'isFullyReplicatedLocally',
  'localReplicationRate',
  'originProviderId',
  'directShareIds',
  'ownerUserId',
  'hardlinkCount',
  'symlinkValue',
  'hasCustomMetadata',
  'effProtectionFlags',
  'effDatasetProtectionFlags',
  'effDatasetInheritancePath',
  'effQosInheritancePath',
  'aggregateQosStatus',
  'archiveRecallRootFileId',
];
const DEFAULT_NEW = [
  'fileId',
  'index',
  'type',
  'activePermissionsType',
  'posixPermissions',
  'name',
  'parentFileId',
  'displayGid',
  'displayUid',
  'atime',
  'mtime',
  'ctime',
  'size',
  'originProviderId',
  'directShareIds',
  'ownerUserId',
  'hardlinkCount',
];
/** Deprecated (pre-21.02.7) names → new names. */
const OLD_TO_NEW: Record<string, string> = {
  file_id: 'fileId',
  name: 'name',
  mode: 'posixPermissions',
  parent_id: 'parentFileId',
  storage_group_id: 'displayGid',
  storage_user_id: 'displayUid',
  atime: 'atime',
  mtime: 'mtime',
  ctime: 'ctime',
  type: 'type',
  size: 'size',
  shares: 'directShareIds',
  provider_id: 'originProviderId',
  owner_id: 'ownerUserId',
  hardlinks_count: 'hardlinkCount',
  index: 'index',
  is_fully_replicated: 'isFullyReplicatedLocally',
};

function attributeValue(sim: Sim, node: FileNode, name: string): unknown {
  const files = sim.state.spaceFiles(node.spaceId);
  switch (name) {
    case 'fileId':
      return fileObjectId(node.uuid, node.spaceId);
    case 'index':
      return Buffer.from(displayName(sim, node)).toString('base64url');
    case 'type':
      return node.type;
    case 'activePermissionsType':
      return 'posix';
    case 'posixPermissions':
      return node.mode;
    case 'acl':
      return [];
    case 'name':
      return displayName(sim, node);
    case 'conflictingName':
      return null;
    case 'path':
      return logicalPath(sim, node);
    case 'parentFileId': {
      const parent = node.parentUuid ? files.get(node.parentUuid) : undefined;
      return parent ? fileObjectId(parent.uuid, parent.spaceId) : null;
    }
    case 'displayGid':
    case 'displayUid':
      return 0;
    case 'creationTime':
      return node.creationTime;
    case 'atime':
      return node.atime;
    case 'mtime':
      return node.mtime;
    case 'ctime':
      return node.ctime;
    case 'size':
      return logicalSize(sim, node);
    case 'isFullyReplicatedLocally':
      return true;
    case 'localReplicationRate':
      return 1;
    case 'originProviderId':
      return node.originProviderId;
    case 'directShareIds':
      return [...sim.state.shares.values()].filter((s) => s.spaceId === node.spaceId && s.rootFileUuid === node.uuid).map((s) => s.id);
    case 'ownerUserId':
      return node.ownerId;
    case 'hardlinkCount':
      return 1;
    case 'symlinkValue':
      return null;
    case 'hasCustomMetadata':
      return node.jsonMetadata !== undefined || Object.keys(node.xattrs).length > 0;
    case 'effProtectionFlags':
    case 'effDatasetProtectionFlags':
      return [];
    case 'effDatasetInheritancePath':
    case 'effQosInheritancePath':
      return 'none';
    case 'aggregateQosStatus':
      return null;
    case 'archiveRecallRootFileId':
      return null;
    default:
      if (name.startsWith('xattr.')) return node.xattrs[name.slice(6)] ?? null;
      return undefined;
  }
}

/** Rejects unknown attribute names up front (a listing of an empty directory still validates them). */
export function checkAttributeNames(requested: string[] | undefined, deprecated: string[] | undefined): void {
  if (deprecated?.some((name) => !OLD_TO_NEW[name])) fail(err.badValueNotAllowed('attribute', Object.keys(OLD_TO_NEW)));
  if (requested?.some((name) => !NEW_ATTRIBUTES.includes(name) && !name.startsWith('xattr.'))) fail(err.badValueListNotAllowed('attributes', NEW_ATTRIBUTES));
}

/**
 * Attributes for `GET /data/{id}` and each entry of `GET /data/{id}/children`: with no options the
 * 21.02.7 default set under both the new and the deprecated names; `attributes` (new names, query or
 * JSON body) or `attribute` (deprecated names; one, or several for a listing) narrow it.
 */
export function renderAttributes(
  sim: Sim,
  node: FileNode,
  requested: string[] | undefined,
  deprecated: string | string[] | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (deprecated !== undefined) {
    for (const name of typeof deprecated === 'string' ? [deprecated] : deprecated) {
      const mapped = OLD_TO_NEW[name];
      if (!mapped) fail(err.badValueNotAllowed('attribute', Object.keys(OLD_TO_NEW)));
      out[name] = attributeValue(sim, node, mapped);
    }
    return out;
  }
  if (requested !== undefined) {
    for (const name of requested) {
      if (!NEW_ATTRIBUTES.includes(name) && !name.startsWith('xattr.')) fail(err.badValueListNotAllowed('attributes', NEW_ATTRIBUTES));
      out[name] = attributeValue(sim, node, name);
    }
    return out;
  }
  for (const name of DEFAULT_NEW) out[name] = attributeValue(sim, node, name);
  for (const [old, mapped] of Object.entries(OLD_TO_NEW)) if (mapped !== 'isFullyReplicatedLocally') out[old] = attributeValue(sim, node, mapped);
  return out;
}
