import { describe, expect, it } from 'vitest';
import { countsLine, formatBytes, shorten, table } from '../../../infra/cli/lib/format.ts';
import { Output } from '../../../infra/cli/lib/io.ts';

describe('formatting', () => {
  it('prints sizes in bytes, or 1024-based units with -r', () => {
    expect(formatBytes(10995116277760, false)).toBe('10995116277760');
    expect(formatBytes(10995116277760, true)).toBe('10.0 TiB');
    expect(formatBytes(1536, true)).toBe('1.50 KiB');
    expect(formatBytes(201, true)).toBe('201 B');
    expect(formatBytes(undefined, true)).toBe('-');
  });
  it('lays out tables and shortens text', () => {
    expect(table(['A', 'BB'], [['xxx', 'y']])).toEqual(['A    BB', 'xxx  y']);
    expect(shorten('a  long\nmessage here', 9)).toBe('a long m…');
    expect(countsLine({ failed: 1, provisioned: 3, pending: 0 }, ['provisioned', 'pending', 'failed'])).toBe('3 provisioned · 1 failed');
  });
  it('masks every secret it was told about, in every line', () => {
    let out = '';
    const o = new Output({ stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (out += t) } });
    o.addSecret('s3cr3t-token-value');
    o.addSecret('short');
    o.out('token s3cr3t-token-value and short');
    o.err('again: s3cr3t-token-value');
    expect(out).toBe('token [REDACTED] and short\nagain: [REDACTED]\n');
  });
});
