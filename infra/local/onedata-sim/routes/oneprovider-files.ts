/**
 * Oneprovider directory listing (`GET /data/{id}/children`) and POSIX mode changes (`PUT /data/{id}`),
 * the calls fs2od's permission fix and `.fs2od` lookup make (reference notes §9.3, §9.4).
 *
 * 21.02.7 takes the listing options as a JSON body and merges the query string over it; the
 * pre-21.02.7 form (`?attribute=<old name>&offset=N`) still works and answers with the old attribute
 * names. Paging is by name order: `index` starts at the first name ≥ it, `offset` shifts that start,
 * `token` (from `nextPageToken`) continues after the last entry of the previous page.
 */
import { requireDataAccess, type DataRelation } from '../data-constraints.ts';
import { err, fail } from '../errors.ts';
import { checkAttributeNames, renderAttributes } from '../files.ts';
import { noContent, objectBody, ok, type Ctx, type Router } from '../http.ts';
import type { FileNode } from '../model.ts';
import { authenticateProvider, requireMember, resolvePathId } from './oneprovider-common.ts';

const MAX_LIMIT = 1000;
const MAX_OFFSET = 500;
/** Highest mode `PUT /data/{id}` accepts (sticky bit + rwxrwxrwx). */
const MAX_MODE = 0o1777;

type Options = Record<string, unknown>;

/** Body options, then the query string over them (repeated query keys become a list). */
function listingOptions(ctx: Ctx): Options {
  const body = ctx.body();
  const out: Options = body !== null && typeof body === 'object' && !Array.isArray(body) ? { ...(body as Options) } : {};
  for (const key of new Set(ctx.req.query.keys())) {
    const values = ctx.req.query.getAll(key);
    out[key] = values.length > 1 ? values : values[0];
  }
  return out;
}

/** An integer option; query values arrive as text. */
function integerOption(opts: Options, key: string, low: number, high: number): number | undefined {
  const raw = opts[key];
  if (raw === undefined) return undefined;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^[+-]?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n)) fail(err.badValueInteger(key));
  if (n < low || n > high) fail(err.badValueNotInRange(key, low, high));
  return n;
}

function stringList(value: unknown, key: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.some((v) => typeof v !== 'string')) fail(err.badValueListOfStrings(key));
  return (list as string[]).flatMap((a) => a.split(','));
}

interface PageToken {
  dir: string;
  after: string;
}

const encodeToken = (t: PageToken): string => Buffer.from(JSON.stringify(t)).toString('base64url');

function decodeToken(text: unknown, dir: FileNode): PageToken {
  try {
    const t = JSON.parse(Buffer.from(String(text), 'base64url').toString('utf8')) as Partial<PageToken>;
    if (t.dir === dir.uuid && typeof t.after === 'string') return { dir: t.dir, after: t.after };
  } catch {
    // falls through to the error below
  }
  fail(err.badData('token'));
}

/** The directory's entries in name order; above a data.path whitelist only those leading into it. */
function sortedChildren(ctx: Ctx, dir: FileNode, relation: DataRelation): FileNode[] {
  const files = ctx.sim.state.spaceFiles(dir.spaceId);
  return [...dir.children.values()]
    .map((uuid) => files.get(uuid))
    .filter((n): n is FileNode => n !== undefined)
    .filter((n) => relation.kind === 'subpath' || relation.children.has(n.name))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** `{children, isLast, nextPageToken}`: one page of the directory (a regular file lists as itself). */
function listChildren(ctx: Ctx, dir: FileNode, relation: DataRelation, opts: Options): Record<string, unknown> {
  const legacy = opts['attribute'] !== undefined;
  const limit = integerOption(opts, 'limit', 1, MAX_LIMIT) ?? MAX_LIMIT;
  // Before 21.02.7 `offset` was a plain non-negative position (fs2od pages with offset=1000, 2000, ...).
  const offset = integerOption(opts, 'offset', legacy ? 0 : -MAX_OFFSET, legacy ? Number.MAX_SAFE_INTEGER : MAX_OFFSET) ?? 0;
  const token = opts['token'];
  if (
    token !== undefined &&
    token !== null &&
    (opts['index'] !== undefined || opts['offset'] !== undefined || opts['tuneForLargeContinuousListing'] !== undefined)
  ) {
    fail(err.badData('token', 'cannot be provided alongside index, offset or tuneForLargeContinuousListing'));
  }
  const all = dir.type === 'DIR' ? sortedChildren(ctx, dir, relation) : [dir];
  let start: number;
  if (token !== undefined && token !== null) {
    const { after } = decodeToken(token, dir);
    start = all.findIndex((n) => n.name > after);
  } else {
    const index = opts['index'];
    const from = index === undefined ? 0 : all.findIndex((n) => n.name >= String(index));
    start = (from === -1 ? all.length : from) + offset;
  }
  if (start === -1) start = all.length;
  start = Math.max(0, start);
  const page = all.slice(start, start + limit);
  const isLast = start + page.length >= all.length;
  const deprecated = legacy ? stringList(opts['attribute'], 'attribute') : undefined;
  const requested = !legacy && opts['attributes'] !== undefined ? stringList(opts['attributes'], 'attributes') : undefined;
  checkAttributeNames(requested, deprecated);
  const render = (n: FileNode): Record<string, unknown> => renderAttributes(ctx.sim, n, requested, deprecated);
  const last = page[page.length - 1];
  return {
    children: page.map(render),
    isLast,
    nextPageToken: isLast || !last ? null : encodeToken({ dir: dir.uuid, after: last.name }),
  };
}

/** `mode` of `PUT /data/{id}`: an octal string, 0–01777 (as op-worker's set-mode data spec checks it). */
function parseMode(value: unknown): number {
  if (typeof value !== 'string' || !/^[+-]?[0-7]+$/.test(value)) fail(err.badValueInteger('mode'));
  const mode = parseInt(value, 8);
  if (mode < 0 || mode > MAX_MODE) fail(err.badValueNotInRange('mode', 0, MAX_MODE));
  return mode;
}

export function registerOneproviderFiles(router: Router): void {
  router.on('GET', '/data/:id/children', (ctx) => {
    const caller = authenticateProvider(ctx, true);
    const dir = resolvePathId(ctx, String(ctx.params['id']));
    requireMember(ctx, caller, dir.spaceId);
    const relation = requireDataAccess(ctx.sim, caller, dir, 'traverse');
    return ok(listChildren(ctx, dir, relation, listingOptions(ctx)));
  });

  router.on('PUT', '/data/:id', (ctx) => {
    const caller = authenticateProvider(ctx, true);
    const node = resolvePathId(ctx, String(ctx.params['id']));
    requireMember(ctx, caller, node.spaceId);
    requireDataAccess(ctx.sim, caller, node, 'write');
    const body = objectBody(ctx);
    if (body['mode'] === undefined) fail(err.missingRequiredValue('mode'));
    node.mode = parseMode(body['mode']).toString(8).padStart(3, '0');
    node.ctime = ctx.sim.nowS();
    return noContent();
  });
}
