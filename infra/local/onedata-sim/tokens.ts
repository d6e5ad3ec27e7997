/**
 * Token codec. Serialized tokens are macaroons (v1 packet format, HMAC-SHA256 signature chain) encoded in
 * base64url and then escaped to Onedata's "base62" alphabet, with the version-2 identifier
 * `2/<persistence>/<subject>/<type>/<id>` of ctool `tokens.erl`. The simulator can therefore decode a token
 * it receives, check its signature, caveats, revocation and usage, and fail like the real server.
 */
import { createHmac } from 'node:crypto';

export interface Caveat {
  type: string;
  [key: string]: unknown;
}

export type TokenType =
  | { accessToken: Record<string, never> }
  | { identityToken: Record<string, never> }
  | { inviteToken: { inviteType: string; parameters?: Record<string, never>; [target: string]: unknown } };

export interface InviteTypeInfo {
  code: string;
  targetKey: string;
  /** Privilege the token subject needs in the target to issue the invitation. */
  invitePrivilege?: string;
  /** Privilege additionally needed when custom `privileges` are requested. */
  setPrivilege?: string;
  /** Whether the invitation carries member privileges (and so accepts `privileges`). */
  hasPrivileges: boolean;
  targetKind: 'group' | 'space' | 'cluster' | 'harvester' | 'user' | 'atmInventory';
}

export const INVITE_TYPES: Record<string, InviteTypeInfo> = {
  userJoinGroup: {
    code: 'ujg',
    targetKey: 'groupId',
    invitePrivilege: 'group_add_user',
    setPrivilege: 'group_set_privileges',
    hasPrivileges: true,
    targetKind: 'group',
  },
  groupJoinGroup: {
    code: 'gjg',
    targetKey: 'groupId',
    invitePrivilege: 'group_add_child',
    setPrivilege: 'group_set_privileges',
    hasPrivileges: true,
    targetKind: 'group',
  },
  userJoinSpace: {
    code: 'ujs',
    targetKey: 'spaceId',
    invitePrivilege: 'space_add_user',
    setPrivilege: 'space_set_privileges',
    hasPrivileges: true,
    targetKind: 'space',
  },
  groupJoinSpace: {
    code: 'gjs',
    targetKey: 'spaceId',
    invitePrivilege: 'space_add_group',
    setPrivilege: 'space_set_privileges',
    hasPrivileges: true,
    targetKind: 'space',
  },
  supportSpace: { code: 'ssp', targetKey: 'spaceId', invitePrivilege: 'space_add_support', hasPrivileges: false, targetKind: 'space' },
  harvesterJoinSpace: { code: 'hjs', targetKey: 'spaceId', invitePrivilege: 'space_add_harvester', hasPrivileges: false, targetKind: 'space' },
  registerOneprovider: { code: 'rop', targetKey: 'adminUserId', hasPrivileges: false, targetKind: 'user' },
  userJoinCluster: { code: 'ujc', targetKey: 'clusterId', hasPrivileges: true, targetKind: 'cluster' },
  groupJoinCluster: { code: 'gjc', targetKey: 'clusterId', hasPrivileges: true, targetKind: 'cluster' },
  userJoinHarvester: { code: 'ujh', targetKey: 'harvesterId', hasPrivileges: true, targetKind: 'harvester' },
  groupJoinHarvester: { code: 'gjh', targetKey: 'harvesterId', hasPrivileges: true, targetKind: 'harvester' },
  spaceJoinHarvester: { code: 'sjh', targetKey: 'harvesterId', hasPrivileges: false, targetKind: 'harvester' },
  userJoinAtmInventory: { code: 'uji', targetKey: 'atmInventoryId', hasPrivileges: true, targetKind: 'atmInventory' },
  groupJoinAtmInventory: { code: 'gji', targetKey: 'atmInventoryId', hasPrivileges: true, targetKind: 'atmInventory' },
};

export type Persistence = 'named' | { temporary: number };

export interface TokenPayload {
  persistence: Persistence;
  subjectUserId: string;
  type: TokenType;
  id: string;
}

export interface DecodedToken extends TokenPayload {
  location: string;
  /** The identifier exactly as signed. */
  identifier: string;
  caveats: Caveat[];
  rawCaveats: string[];
  signature: Buffer;
}

// ---- type and caveat (de)serialization -------------------------------------------------------------

export function serializeType(type: TokenType): string {
  if ('accessToken' in type) return 'act';
  if ('identityToken' in type) return 'idn';
  const info = INVITE_TYPES[type.inviteToken.inviteType];
  if (!info) throw new RangeError('unknown invite type');
  const target = String(type.inviteToken[info.targetKey]);
  return `${info.code}:${target}:${type.inviteToken.inviteType === 'supportSpace' ? 'ge' : ''}`;
}

export function deserializeType(text: string): TokenType | null {
  if (text === 'act') return { accessToken: {} };
  if (text === 'idn') return { identityToken: {} };
  const [code, target, , ...rest] = text.split(':');
  if (rest.length > 0 || !target) return null;
  const entry = Object.entries(INVITE_TYPES).find(([, info]) => info.code === code);
  if (!entry) return null;
  const [inviteType, info] = entry;
  return { inviteToken: { inviteType, [info.targetKey]: target, parameters: {} } };
}

export function serializeCaveat(caveat: Caveat): string {
  if (caveat.type === 'time') return `time < ${String(caveat['validUntil'])}`;
  const { type, ...rest } = caveat;
  return `${type} = ${JSON.stringify(rest)}`;
}

export function deserializeCaveat(text: string): Caveat | null {
  const time = /^time < (\d+)$/.exec(text);
  if (time) return { type: 'time', validUntil: Number(time[1]) };
  const other = /^([a-z.]+) = (\{.*\})$/.exec(text);
  if (!other || !other[1] || !other[2]) return null;
  try {
    const rest = JSON.parse(other[2]) as Record<string, unknown>;
    return { type: other[1], ...rest };
  } catch {
    return null;
  }
}

// ---- macaroon ---------------------------------------------------------------------------------------

function packet(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(`${key} `), value, Buffer.from('\n')]);
  return Buffer.concat([Buffer.from((body.length + 4).toString(16).padStart(4, '0')), body]);
}

function macaroonKey(secret: string): Buffer {
  return createHmac('sha256', 'macaroons-key-generator').update(secret).digest();
}

export function signatureFor(secret: string, identifier: string, rawCaveats: string[]): Buffer {
  let sig = createHmac('sha256', macaroonKey(secret)).update(identifier).digest();
  for (const cid of rawCaveats) sig = createHmac('sha256', sig).update(cid).digest();
  return sig;
}

/** base64url → Onedata base62 (`0` is the escape character). */
function toBase62(b64: string): string {
  return b64.replace(/[0_\-=]/g, (c) => ({ '0': '00', '-': '01', _: '02', '=': '03' })[c] ?? c);
}

function fromBase62(text: string): string | null {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '0') {
      out += c;
      continue;
    }
    const next = text[++i];
    const mapped = next === undefined ? undefined : { '0': '0', '1': '-', '2': '_', '3': '=' }[next];
    if (mapped === undefined) return null;
    out += mapped;
  }
  return out;
}

function identifierOf(p: TokenPayload): string {
  const persistence = p.persistence === 'named' ? 'nmd' : `tmp-${p.persistence.temporary}`;
  return `2/${persistence}/usr-${p.subjectUserId}/${serializeType(p.type)}/${p.id}`;
}

export function serializeToken(location: string, payload: TokenPayload, caveats: Caveat[], secret: string): string {
  const identifier = identifierOf(payload);
  const rawCaveats = caveats.map(serializeCaveat);
  const sig = signatureFor(secret, identifier, rawCaveats);
  const bytes = Buffer.concat([
    packet('location', Buffer.from(location)),
    packet('identifier', Buffer.from(identifier)),
    ...rawCaveats.map((cid) => packet('cid', Buffer.from(cid))),
    packet('signature', sig),
  ]);
  return toBase62(bytes.toString('base64url'));
}

function parseIdentifier(identifier: string): TokenPayload | null {
  const parts = identifier.split('/');
  if (parts.length !== 5 || parts[0] !== '2') return null;
  const [, persistenceText = '', subjectText = '', typeText = '', id = ''] = parts;
  let persistence: Persistence;
  if (persistenceText === 'nmd') persistence = 'named';
  else if (/^tmp-\d+$/.test(persistenceText)) persistence = { temporary: Number(persistenceText.slice(4)) };
  else return null;
  if (!subjectText.startsWith('usr-') || subjectText.length <= 4 || !id) return null;
  const type = deserializeType(typeText);
  if (!type) return null;
  return { persistence, subjectUserId: subjectText.slice(4), type, id };
}

/** Decodes a serialized token; null = not understood (the server's `badToken`). */
export function decodeToken(serialized: string): DecodedToken | null {
  if (!/^[A-Za-z0-9]+$/.test(serialized) || serialized.length > 1_048_576) return null;
  const b64 = fromBase62(serialized);
  if (b64 === null) return null;
  const bytes = Buffer.from(b64, 'base64url');
  const fields: { key: string; value: Buffer }[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const len = Number.parseInt(bytes.subarray(pos, pos + 4).toString(), 16);
    if (!Number.isInteger(len) || len < 6 || pos + len > bytes.length) return null;
    const body = bytes.subarray(pos + 4, pos + len);
    const space = body.indexOf(0x20);
    if (space < 0 || body[body.length - 1] !== 0x0a) return null;
    fields.push({ key: body.subarray(0, space).toString(), value: body.subarray(space + 1, body.length - 1) });
    pos += len;
  }
  const [location, identifier, ...rest] = fields;
  const signature = rest.pop();
  if (location?.key !== 'location' || identifier?.key !== 'identifier' || signature?.key !== 'signature') return null;
  if (signature.value.length !== 32 || rest.some((f) => f.key !== 'cid')) return null;
  const payload = parseIdentifier(identifier.value.toString());
  if (!payload) return null;
  const rawCaveats = rest.map((f) => f.value.toString());
  const caveats: Caveat[] = [];
  for (const raw of rawCaveats) {
    const caveat = deserializeCaveat(raw);
    if (!caveat) return null;
    caveats.push(caveat);
  }
  return {
    ...payload,
    location: location.value.toString(),
    identifier: identifier.value.toString(),
    caveats,
    rawCaveats,
    signature: signature.value,
  };
}

/** Auth header forms accepted by all three services. */
export function tokenFromHeaders(headers: Record<string, string | string[] | undefined>): string | undefined {
  const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
  const xAuth = first(headers['x-auth-token']);
  if (xAuth) return xAuth.trim();
  const authorization = first(headers['authorization']);
  if (authorization?.startsWith('Bearer ')) return authorization.slice(7).trim();
  const macaroon = first(headers['macaroon']);
  return macaroon ? macaroon.trim() : undefined;
}

/** Adds caveats to a token without knowing its secret (the macaroon signature chain allows it). */
export function confineToken(serialized: string, extra: Caveat[]): string | null {
  const decoded = decodeToken(serialized);
  if (!decoded) return null;
  const added = extra.map(serializeCaveat);
  let sig = decoded.signature;
  for (const cid of added) sig = createHmac('sha256', sig).update(cid).digest();
  const bytes = Buffer.concat([
    packet('location', Buffer.from(decoded.location)),
    packet('identifier', Buffer.from(decoded.identifier)),
    ...[...decoded.rawCaveats, ...added].map((cid) => packet('cid', Buffer.from(cid))),
    packet('signature', sig),
  ]);
  return toBase62(bytes.toString('base64url'));
}

/** JSON form of a token type as the APIs return it (invite types carry `parameters: {}`). */
export function typeJson(type: TokenType): TokenType {
  if (!('inviteToken' in type)) return type;
  return { inviteToken: { ...type.inviteToken, parameters: {} } };
}
