/**
 * What the data access caveats of a token (`data.readonly`, `data.path`, `data.objectid`) let it do
 * with one file, as op-worker's `data_constraints` module decides it:
 *
 * - `data.readonly`: only reading; every write (content, metadata, mode, registration) is
 *   `400 posix {errno:"eacces"}`.
 * - `data.path`: the whitelisted canonical paths (`/<spaceId>/dir/file`, base64 in the caveat) and
 *   everything under them. Their *ancestors* (the space root above a whitelisted directory, the
 *   directories between) can be stat-ed and listed, but a listing shows only the children that
 *   lead to a whitelisted path; anything else is `eacces`. Several `data.path` caveats must all
 *   allow a file (their intersection).
 * - `data.objectid`: the file must be, or lie under, one of the listed ObjectIds (ancestors are not
 *   opened up here: see docs/onedata-simulator.md).
 *
 * Spaces outside every whitelist are left out of `GET /spaces`.
 */
import { err, fail } from './errors.ts';
import type { Caller } from './auth.ts';
import { decodeFileId } from './ids.ts';
import type { FileNode } from './model.ts';
import type { Sim } from './sim.ts';

export interface DataConstraints {
  readonly: boolean;
  /** One list of allowed paths (as segments, the space id first) per `data.path` caveat. */
  pathWhitelists: string[][][];
  /** One list of allowed file uuids per `data.objectid` caveat. */
  uuidWhitelists: Set<string>[];
}

/** `subpath`: the file is allowed; `ancestor`: only stat and a listing filtered to `children`. */
export type DataRelation = { kind: 'subpath' } | { kind: 'ancestor'; children: Set<string> };

/** What the caller's token may do with a file: traverse (stat, list), read (content, metadata) or write. */
export type DataOperation = 'traverse' | 'read' | 'write';

/** A canonical path from a `data.path` whitelist entry: base64 of `/<spaceId>/…`, trailing `/` ignored. */
export function decodeDataPath(entry: string): string[] {
  return Buffer.from(entry, 'base64')
    .toString('utf8')
    .split('/')
    .filter((s) => s !== '');
}

export function dataConstraintsOf(caller: Caller): DataConstraints {
  const out: DataConstraints = { readonly: false, pathWhitelists: [], uuidWhitelists: [] };
  for (const c of caller.token.caveats) {
    if (c.type === 'data.readonly') out.readonly = true;
    if (c.type === 'data.path') out.pathWhitelists.push((c['whitelist'] as string[]).map(decodeDataPath));
    if (c.type === 'data.objectid') {
      out.uuidWhitelists.push(new Set((c['whitelist'] as string[]).map((id) => decodeFileId(id)?.uuid).filter((u): u is string => u !== undefined)));
    }
  }
  return out;
}

/** `[spaceId, name, name, …]`: the file's canonical path as segments. */
export function canonicalSegments(sim: Sim, node: FileNode): string[] {
  const files = sim.state.spaceFiles(node.spaceId);
  const names: string[] = [];
  for (let n: FileNode | undefined = node; n && n.parentUuid; n = files.get(n.parentUuid)) names.unshift(n.name);
  return [node.spaceId, ...names];
}

const startsWith = (path: string[], prefix: string[]): boolean => prefix.length <= path.length && prefix.every((s, i) => path[i] === s);

/** How one whitelist relates to a path: allowed, an ancestor of allowed paths (with the next names), or outside (null). */
function relationTo(whitelist: string[][], path: string[]): DataRelation | null {
  if (whitelist.some((allowed) => startsWith(path, allowed))) return { kind: 'subpath' };
  const next = whitelist.filter((allowed) => allowed.length > path.length && startsWith(allowed, path)).map((allowed) => allowed[path.length]!);
  return next.length > 0 ? { kind: 'ancestor', children: new Set(next) } : null;
}

/** The relation of a path to all `data.path` caveats together; null when one of them excludes it. */
export function pathRelation(c: DataConstraints, path: string[]): DataRelation | null {
  let children: Set<string> | undefined;
  for (const whitelist of c.pathWhitelists) {
    const rel = relationTo(whitelist, path);
    if (!rel) return null;
    if (rel.kind === 'ancestor') children = children ? new Set([...children].filter((n) => rel.children.has(n))) : rel.children;
  }
  return children ? { kind: 'ancestor', children } : { kind: 'subpath' };
}

function underObjectIds(sim: Sim, c: DataConstraints, node: FileNode): boolean {
  if (c.uuidWhitelists.length === 0) return true;
  const files = sim.state.spaceFiles(node.spaceId);
  const chain = new Set<string>();
  for (let n: FileNode | undefined = node; n; n = n.parentUuid ? files.get(n.parentUuid) : undefined) chain.add(n.uuid);
  return c.uuidWhitelists.every((allowed) => [...allowed].some((uuid) => chain.has(uuid)));
}

/**
 * Checks the caller's data caveats for `op` on `node` and returns the relation (a listing filters
 * its entries with it). Throws `400 posix {errno:"eacces"}` as op-worker does.
 */
export function requireDataAccess(sim: Sim, caller: Caller, node: FileNode, op: DataOperation): DataRelation {
  return requirePathAccess(sim, caller, canonicalSegments(sim, node), op, node);
}

/** The same check for a path that may not exist yet (file registration's destination). */
export function requirePathAccess(sim: Sim, caller: Caller, path: string[], op: DataOperation, node?: FileNode): DataRelation {
  const c = dataConstraintsOf(caller);
  if (op === 'write' && c.readonly) fail(err.posix('eacces'));
  const rel = pathRelation(c, path);
  if (!rel || (rel.kind === 'ancestor' && op !== 'traverse')) fail(err.posix('eacces'));
  if (node && !underObjectIds(sim, c, node)) fail(err.posix('eacces'));
  return rel;
}

/** Whether the caller's `data.path` caveats leave any of the space reachable (for `GET /spaces`). */
export function spaceReachable(caller: Caller, spaceId: string): boolean {
  return pathRelation(dataConstraintsOf(caller), [spaceId]) !== null;
}
