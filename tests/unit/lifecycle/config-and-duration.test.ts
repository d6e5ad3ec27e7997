import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/config/index.ts';
import { parseDuration } from '../../../shared/lifecycle/duration.ts';
import { testConfig } from '../../helpers/test-config.ts';

const DAY = 86_400_000;

describe("fs2od's duration grammar", () => {
  it('sums y (365 d), m (30 d: a month), d and h; never and now are words', () => {
    expect(parseDuration('7d')).toEqual({ kind: 'after', ms: 7 * DAY });
    expect(parseDuration('1y 2m')).toEqual({ kind: 'after', ms: 365 * DAY + 60 * DAY });
    expect(parseDuration('3h 5h')).toEqual({ kind: 'after', ms: 8 * 3_600_000 });
    expect(parseDuration(' never ')).toEqual({ kind: 'never' });
    expect(parseDuration('now')).toEqual({ kind: 'now' });
  });
  it('refuses what fs2od silently read as never', () => {
    for (const bad of ['', '7', '7 days', '5min', '1w', 'soon']) expect(parseDuration(bad), bad).toBeUndefined();
  });
});

const providers = `restAccess:
  onezone: { host: https://zone.example.org }
  oneproviders:
    - { host: https://op2.example.org, storageIds: [rep2] }
    - { host: https://op1.example.org, isPrimary: true }
    - { host: https://op3.example.org, storageIds: [rep3, other] }
`;

describe('dataReplication and lifecycle config', () => {
  it('defaults: replication off, 1 replica, anyStorage, support size = implicitSpaceSize, nothing removed, metadata removal only recorded', () => {
    const c = testConfig();
    expect(c.dataReplication).toEqual({
      enabled: false,
      numberOfReplicas: 1,
      qosExpression: 'anyStorage',
      supportSize: c.implicitSpaceSize,
      timeUntilRemoved: 'never',
      removeFromFilesystem: false,
    });
    expect(c.lifecycle).toEqual({ retention: 'never', onMetadataRemoved: 'record', timeBeforeAction: [], embargo: 'none' });
  });

  it("keeps fs2od's storageIds per provider, the primary first", () => {
    const c = testConfig(`${providers}dataReplication: { enabled: true, numberOfReplicas: 3, timeUntilRemoved: 7d }\n`);
    expect(c.restAccess.oneproviders.map((p) => [p.host, p.isPrimary, p.storageIds])).toEqual([
      ['https://op1.example.org', true, []],
      ['https://op2.example.org', false, ['rep2']],
      ['https://op3.example.org', false, ['rep3', 'other']],
    ]);
    expect(c.dataReplication).toMatchObject({ enabled: true, numberOfReplicas: 3, timeUntilRemoved: '7d' });
  });

  it('names the key of every mistake', () => {
    const bad = `restAccess:
  onezone: { host: https://zone.example.org }
  oneproviders:
    - { host: https://op1.example.org, isPrimary: true }
    - { host: https://op2.example.org }
dataReplication: { enabled: true, numberOfReplicas: 3, timeUntilRemoved: 7 days }
lifecycle: { onMetadataRemoved: purge, retention: 1w, timeBeforeAction: [7d, never] }
`;
    let err: ConfigError | undefined;
    try {
      testConfig(bad);
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.problems.map((p) => p.key).sort()).toEqual([
      'dataReplication.numberOfReplicas',
      'dataReplication.timeUntilRemoved',
      'lifecycle.onMetadataRemoved',
      'lifecycle.retention',
      'lifecycle.timeBeforeAction[1]',
      'restAccess.oneproviders[1].storageIds',
    ]);
  });
});
