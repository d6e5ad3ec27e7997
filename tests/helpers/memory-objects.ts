import { createHash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { ObjectStore, ObjectTooLargeError, PreconditionFailedError, type StoredObject } from '../../shared/storage/objects.ts';

/**
 * An in-memory bucket with S3's conditional-write semantics (If-Match, If-None-Match: *), for unit
 * tests of code that takes an ObjectStore. ETags are content hashes plus a version counter, so
 * rewriting the same bytes still changes the ETag (as a new S3 object version does). Every call
 * is recorded in `calls`; `beforePut` runs before a PUT is applied (a test's hook for "someone
 * else wrote meanwhile").
 */
export class MemoryObjects extends ObjectStore {
  readonly data = new Map<string, { body: Buffer; etag: string }>();
  readonly calls: {
    op: 'get' | 'head' | 'put' | 'list';
    key: string;
    cond?: { ifMatch?: string; ifNoneMatch?: '*' };
    result?: 'ok' | 'precondition-failed' | 'missing';
  }[] = [];
  beforePut?: (key: string, cond: { ifMatch?: string; ifNoneMatch?: '*' }) => void | Promise<void>;
  #version = 0;

  constructor(bucket = 'facility') {
    super({} as S3Client, bucket);
  }

  /** Writes without recording a call or checking a condition (test set-up, "the operator"). */
  seed(key: string, body: string | Buffer): string {
    const buf = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
    const etag = createHash('md5').update(buf).update(String(++this.#version)).digest('hex');
    this.data.set(key, { body: buf, etag });
    return etag;
  }

  text(key: string): string | undefined {
    return this.data.get(key)?.body.toString('utf8');
  }

  override async get(key: string, maxBytes?: number): Promise<StoredObject | undefined> {
    const o = this.data.get(key);
    this.calls.push({ op: 'get', key, result: o ? 'ok' : 'missing' });
    if (!o) return undefined;
    if (maxBytes !== undefined && o.body.length > maxBytes) throw new ObjectTooLargeError(key, o.body.length, maxBytes);
    return { body: Buffer.from(o.body), etag: o.etag };
  }

  override async head(key: string): Promise<{ etag: string; size: number } | undefined> {
    const o = this.data.get(key);
    this.calls.push({ op: 'head', key, result: o ? 'ok' : 'missing' });
    return o ? { etag: o.etag, size: o.body.length } : undefined;
  }

  override async put(key: string, body: Buffer | string, cond: { ifMatch?: string; ifNoneMatch?: '*' } = {}): Promise<string> {
    await this.beforePut?.(key, cond);
    const cur = this.data.get(key);
    const refused = (cond.ifMatch !== undefined && cur?.etag !== cond.ifMatch) || (cond.ifNoneMatch === '*' && cur !== undefined);
    this.calls.push({ op: 'put', key, cond, result: refused ? 'precondition-failed' : 'ok' });
    if (refused) throw new PreconditionFailedError(`${key} changed meanwhile`);
    return this.seed(key, body);
  }

  override async *list(
    prefix: string,
    opts: { startAfter?: string; delimiter?: string } = {},
  ): AsyncGenerator<{ key: string; size: number; etag: string } | { commonPrefix: string }> {
    this.calls.push({ op: 'list', key: prefix });
    const keys = [...this.data.keys()].filter((k) => k.startsWith(prefix) && (!opts.startAfter || k > opts.startAfter)).sort();
    const prefixes = new Set<string>();
    for (const k of keys) {
      if (opts.delimiter) {
        const rest = k.slice(prefix.length);
        const at = rest.indexOf(opts.delimiter);
        if (at >= 0) {
          prefixes.add(prefix + rest.slice(0, at + 1));
          continue;
        }
      }
      const o = this.data.get(k)!;
      yield { key: k, size: o.body.length, etag: o.etag };
    }
    for (const p of prefixes) yield { commonPrefix: p };
  }

  puts(key: string): { cond?: { ifMatch?: string; ifNoneMatch?: '*' }; result?: string }[] {
    return this.calls.filter((c) => c.op === 'put' && c.key === key);
  }
}
