/**
 * Identifiers in the shapes the real services use: 32-hex entity ids, seed-derived space ids, and
 * Oneprovider file ids as hex CDMI ObjectIds wrapping the file GUID (`guid#<uuid>#<spaceId>`).
 */
import { createHash, randomBytes } from 'node:crypto';

/** A random 32-hex-character id like Onezone's datastore keys. */
export function randomId(): string {
  return randomBytes(16).toString('hex');
}

/** Deterministic space id for `idGeneratorSeed` (the real derivation is server-internal; only determinism matters). */
export function seededSpaceId(seed: string): string {
  return createHash('md5').update('customSpaceIdGeneratorSeed').update('\u0000').update(seed, 'utf8').digest('hex');
}

/** CRC-16/ARC, as ctool's `crc16` (crc16("test string") = 40679). */
export function crc16(buf: Uint8Array): number {
  let crc = 0;
  for (const byte of buf) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

const ENTERPRISE_NUMBER = 0;

/** CDMI ObjectId: `<<0:8, Enum:24, 0:8, Length:8, Crc:16, Data>>` as upper-case hex; the CRC covers the header with a zero CRC field. */
export function buildObjectId(data: string): string {
  const payload = Buffer.from(data, 'utf8');
  if (payload.length > 255) throw new RangeError('object id data longer than 255 bytes');
  const header = Buffer.from([0, (ENTERPRISE_NUMBER >> 16) & 0xff, (ENTERPRISE_NUMBER >> 8) & 0xff, ENTERPRISE_NUMBER & 0xff, 0, payload.length, 0, 0]);
  const whole = Buffer.concat([header, payload]);
  whole.writeUInt16BE(crc16(whole), 6);
  return whole.toString('hex').toUpperCase();
}

/** The data inside a well-formed ObjectId, or null. */
export function parseObjectId(objectId: string): string | null {
  if (!/^[0-9A-Fa-f]+$/.test(objectId) || objectId.length % 2 !== 0 || objectId.length < 18) return null;
  const whole = Buffer.from(objectId, 'hex');
  if (whole[0] !== 0 || whole[4] !== 0 || whole[5] !== whole.length - 8) return null;
  const crc = whole.readUInt16BE(6);
  const zeroed = Buffer.from(whole);
  zeroed.writeUInt16BE(0, 6);
  if (crc16(zeroed) !== crc) return null;
  return whole.subarray(8).toString('utf8');
}

export interface FileRef {
  uuid: string;
  spaceId: string;
  shareId?: string;
}

export function fileObjectId(uuid: string, spaceId: string): string {
  return buildObjectId(`guid#${uuid}#${spaceId}`);
}

export function shareObjectId(uuid: string, spaceId: string, shareId: string): string {
  return buildObjectId(`shareGuid#${uuid}#${spaceId}#${shareId}`);
}

/** Decodes a file ObjectId (plain or share-scoped); null when it is not one. */
export function decodeFileId(objectId: string): FileRef | null {
  const data = parseObjectId(objectId);
  if (data === null) return null;
  const parts = data.split('#');
  if (parts[0] === 'guid' && parts.length === 3 && parts[1] && parts[2]) return { uuid: parts[1], spaceId: parts[2] };
  if (parts[0] === 'shareGuid' && parts.length === 4 && parts[1] && parts[2] && parts[3]) {
    return { uuid: parts[1], spaceId: parts[2], shareId: parts[3] };
  }
  return null;
}

export const spaceRootUuid = (spaceId: string): string => `space_${spaceId}`;
export const trashDirUuid = (spaceId: string): string => `trash_${spaceId}`;
export const archivesDirUuid = (spaceId: string): string => `archives_${spaceId}`;

/** Short build-like suffix for version strings. */
export function buildString(): string {
  return `sim-g${randomBytes(4).toString('hex')}`;
}
