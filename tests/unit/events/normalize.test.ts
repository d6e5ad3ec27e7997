import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeKey, normalizeNotification, NotificationFormatError } from '../../../shared/events/normalize.ts';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../fixtures/events/${name}.json`, import.meta.url), 'utf8'));

describe('normalizeNotification', () => {
  it('reads a captured Ceph RGW push without decoding the raw key', () => {
    const [ev] = normalizeNotification(fixture('rgw-put'));
    expect(ev).toMatchObject({
      producer: 'ceph',
      bucket: 'notif-bucket',
      key: 'uploads/a b+c.txt',
      change: 'created',
      eventName: 'ObjectCreated:Put',
      size: 19,
      opaqueData: 'opaque-123',
    });
    expect(ev!.etag).toMatch(/^[0-9a-f]{32}$/);
  });

  it('reads RGW delete, multipart and copy events', () => {
    expect(normalizeNotification(fixture('rgw-delete'))[0]).toMatchObject({ change: 'removed', eventName: 'ObjectRemoved:Delete' });
    expect(normalizeNotification(fixture('rgw-multipart'))[0]).toMatchObject({ change: 'created', eventName: 'ObjectCreated:CompleteMultipartUpload' });
    expect(normalizeNotification(fixture('rgw-copy'))[0]).toMatchObject({ change: 'created', eventName: 'ObjectCreated:Copy' });
  });

  it('form-decodes AWS keys: "+" is a space, %2B a plus, and %25 a percent sign', () => {
    const [ev] = normalizeNotification(fixture('aws-put'));
    expect(ev).toMatchObject({ producer: 'aws', bucket: 'facility', key: 'datasets/Run 7+α/Movies/a b+c%20d é.tiff', size: 123 });
  });

  it('decodes MinIO keys, whose "/" arrive as %2F, and strips the "s3:" prefix of the event name', () => {
    const [ev] = normalizeNotification(fixture('minio-webhook'));
    expect(ev).toMatchObject({ producer: 'minio', key: 'datasets/Run 7+α/SPA.yml', eventName: 'ObjectCreated:Put' });
  });

  it('unwraps S3 events carried in SQS messages and in SNS notifications', () => {
    const [fromSqs] = normalizeNotification(fixture('sqs-wrapped-aws'));
    expect(fromSqs!.key).toBe('datasets/Run 7+α/Movies/a b+c%20d é.tiff');
    const sns = { Type: 'Notification', Message: JSON.stringify(fixture('rgw-put')) };
    expect(normalizeNotification(sns)[0]!.key).toBe('uploads/a b+c.txt');
    expect(normalizeNotification(JSON.stringify(fixture('rgw-put')))).toHaveLength(1);
  });

  it('ignores the AWS test event and events that are not object changes', () => {
    expect(normalizeNotification({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'facility' })).toEqual([]);
    const accessed = fixture('minio-webhook');
    accessed.Records[0].eventName = 's3:ObjectAccessed:Get';
    expect(normalizeNotification(accessed)).toEqual([]);
  });

  it('keeps keys that consist of slashes only and strips ETag quotes', () => {
    const rec = fixture('rgw-put');
    rec.Records[0].s3.object.key = '///';
    rec.Records[0].s3.object.eTag = '"abc"';
    const [ev] = normalizeNotification(rec);
    expect(ev).toMatchObject({ key: '///', etag: 'abc' });
  });

  it('reads the legacy RGW spelling "etag" and a size sent as a string', () => {
    const rec = fixture('rgw-put');
    delete rec.Records[0].s3.object.eTag;
    rec.Records[0].s3.object.etag = 'deadbeef';
    rec.Records[0].s3.object.size = '1024';
    expect(normalizeNotification(rec)[0]).toMatchObject({ etag: 'deadbeef', size: 1024 });
  });

  it('rejects payloads it cannot understand with a clear error', () => {
    expect(() => normalizeNotification('not json')).toThrow(NotificationFormatError);
    expect(() => normalizeNotification({ hello: 1 })).toThrow(/no Records/);
    expect(() => normalizeNotification({ Records: [{ eventSource: 'ceph:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b' } } }] })).toThrow(
      /s3.object.key/,
    );
    const bad = fixture('aws-put');
    bad.Records[0].s3.object.key = 'a%E0%A4%A';
    expect(() => normalizeNotification(bad)).toThrow(/URL encoding/);
  });
});

describe('decodeKey', () => {
  it.each([
    ['aws', 'a+b%2Bc', 'a b+c'],
    ['minio', 'x%2Fy+z', 'x/y z'],
    ['ceph', 'a+b%2Bc', 'a+b%2Bc'],
    ['unknown', '100%', '100%'],
  ] as const)('%s: %s → %s', (producer, raw, decoded) => {
    expect(decodeKey(raw, producer)).toBe(decoded);
  });
});
