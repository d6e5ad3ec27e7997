import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inflateRawSync } from 'node:zlib';

/**
 * The Lambda artifacts of `serverless package`: one zip per function. Reads each zip's central
 * directory (no unzip tool or zip library needed) and prints a size table:
 *
 *   npx tsx infra/deploy/artifacts.ts [.serverless]
 */
export interface ZipEntry {
  name: string;
  compressedBytes: number;
  bytes: number;
  /** 0 stored, 8 deflate. */
  method: number;
  localHeaderOffset: number;
}

export interface Artifact {
  function: string;
  path: string;
  zipBytes: number;
  unzippedBytes: number;
  entries: ZipEntry[];
}

/** Lists a zip file's entries from its central directory (zip64 is not needed: Lambda caps at 250 MB). */
export function readZipEntries(path: string): ZipEntry[] {
  const buf = readFileSync(path);
  // End of central directory: the signature within the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${path} is not a zip file`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`${path}: broken central directory`);
    const compressedBytes = buf.readUInt32LE(p + 20);
    const bytes = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    entries.push({
      name: buf.subarray(p + 46, p + 46 + nameLen).toString('utf8'),
      compressedBytes,
      bytes,
      method: buf.readUInt16LE(p + 10),
      localHeaderOffset: buf.readUInt32LE(p + 42),
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** Extracts every file of a zip under `dir` (to load a bundle the way Lambda would). */
export function extractZip(path: string, dir: string): string[] {
  const buf = readFileSync(path);
  const out: string[] = [];
  for (const e of readZipEntries(path)) {
    if (e.name.endsWith('/')) continue;
    const p = e.localHeaderOffset;
    if (buf.readUInt32LE(p) !== 0x04034b50) throw new Error(`${path}: broken local header of ${e.name}`);
    const start = p + 30 + buf.readUInt16LE(p + 26) + buf.readUInt16LE(p + 28);
    const data = buf.subarray(start, start + e.compressedBytes);
    const target = resolve(dir, e.name);
    if (!target.startsWith(resolve(dir) + '/')) throw new Error(`${path}: entry ${e.name} escapes the target folder`);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, e.method === 8 ? inflateRawSync(data) : data);
    out.push(e.name);
  }
  return out;
}

export function listArtifacts(dir: string): Artifact[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.zip'))
    .sort()
    .map((f) => {
      const path = join(dir, f);
      const entries = readZipEntries(path);
      return { function: f.slice(0, -4), path, zipBytes: statSync(path).size, unzippedBytes: entries.reduce((s, e) => s + e.bytes, 0), entries };
    });
}

const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;

export function formatArtifacts(artifacts: Artifact[]): string {
  const rows = artifacts.map((a) => {
    const bundle = a.entries.find((e) => /\/handler\.m?js$/.test(e.name));
    const map = a.entries.find((e) => /\/handler\.m?js\.map$/.test(e.name));
    // Code-split chunks beside the handler (handler.<name>-<hash>.mjs), loaded statically or on demand.
    const chunks = a.entries.filter((e) => /\/handler\.[^/]+\.m?js$/.test(e.name) && e !== bundle);
    const chunkBytes = chunks.reduce((sum, e) => sum + e.bytes, 0);
    return `| ${a.function} | ${kib(a.zipBytes)} | ${kib(a.unzippedBytes)} | ${bundle ? kib(bundle.bytes) : '-'} | ${chunks.length ? `${kib(chunkBytes)} (${chunks.length})` : '-'} | ${map ? kib(map.bytes) : '-'} | ${a.entries.length} |`;
  });
  return ['| function | zip | unzipped | bundle | chunks | source map | files |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: |', ...rows].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const artifacts = listArtifacts(resolve(process.argv[2] ?? '.serverless'));
  console.log(formatArtifacts(artifacts));
  for (const a of artifacts) console.log(`\n${a.function}.zip:\n${a.entries.map((e) => `  ${e.name}  ${e.bytes} B`).join('\n')}`);
}
