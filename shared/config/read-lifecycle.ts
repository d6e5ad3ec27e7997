/**
 * The lifecycle sections of the config (docs/lifecycle.md): `dataReplication` with fs2od's key
 * names where the meaning is the same, and s3od's own `lifecycle` section.
 */
import { DURATION_HINT, parseDuration } from '../lifecycle/duration.ts';
import { embargoEnd } from '../lifecycle/embargo.ts';
import type { Reader } from './reader.ts';
import type { S3odConfig } from './schema.ts';

function duration(r: Reader, key: string, def: string): string {
  const text = r.string(key, def);
  if (parseDuration(text) === undefined) r.problem(key, DURATION_HINT);
  return text.trim();
}

export function readDataReplication(r: Reader, restAccess: S3odConfig['restAccess'], implicitSpaceSize: number): S3odConfig['dataReplication'] {
  const enabled = r.boolean('dataReplication.enabled', false);
  const numberOfReplicas = r.number('dataReplication.numberOfReplicas', 1, { min: 1, integer: true });
  const providers = restAccess.oneproviders.length;
  // fs2od capped the number silently; a count no configuration can meet is a mistake to report.
  if (enabled && numberOfReplicas > providers)
    r.problem(
      'dataReplication.numberOfReplicas',
      `is ${numberOfReplicas} but only ${providers} Oneprovider(s) are configured (the count includes the primary)`,
    );
  if (enabled) {
    restAccess.oneproviders.forEach((p, i) => {
      if (!p.isPrimary && p.storageIds.length === 0)
        r.problem(`restAccess.oneproviders[${i}].storageIds`, 'must name the storage this provider keeps replicas on');
    });
  }
  return {
    enabled,
    numberOfReplicas,
    qosExpression: r.string('dataReplication.qosExpression', 'anyStorage', { nonEmpty: true }),
    supportSize: r.number('dataReplication.supportSize', implicitSpaceSize, { min: 1_000_000, integer: true }),
    timeUntilRemoved: duration(r, 'dataReplication.timeUntilRemoved', 'never'),
    removeFromFilesystem: r.boolean('dataReplication.removeFromFilesystem', false),
  };
}

export function readLifecycle(r: Reader): S3odConfig['lifecycle'] {
  const onMetadataRemoved = r.string('lifecycle.onMetadataRemoved', 'record');
  if (onMetadataRemoved !== 'record' && onMetadataRemoved !== 'delete') r.problem('lifecycle.onMetadataRemoved', 'must be "record" or "delete"');
  const reminders = r.stringList('lifecycle.timeBeforeAction', []);
  reminders.forEach((t, i) => {
    const d = parseDuration(t);
    if (!d || d.kind !== 'after') r.problem(`lifecycle.timeBeforeAction[${i}]`, 'must be a duration like "7d" or "2h"');
  });
  const embargo = r.string('lifecycle.embargo', 'none').trim();
  try {
    embargoEnd(embargo, new Date(0), 'lifecycle.embargo');
  } catch (e) {
    r.problem('lifecycle.embargo', (e as Error).message.replace(/^lifecycle\.embargo /, ''));
  }
  return {
    embargo,
    retention: duration(r, 'lifecycle.retention', 'never'),
    onMetadataRemoved: onMetadataRemoved === 'delete' ? 'delete' : 'record',
    timeBeforeAction: reminders,
  };
}
