import { describe, expect, it } from 'vitest';
import type { LifecycleProvider } from '../../../shared/lifecycle/providers.ts';
import { chooseReplicaProviders, ReplicationRequestError, replicationRequest } from '../../../shared/lifecycle/replication-request.ts';
import { testConfig } from '../../helpers/test-config.ts';

const providersYaml = `restAccess:
  onezone: { host: https://zone.example.org }
  oneproviders:
    - { host: https://op1.example.org, isPrimary: true }
    - { host: https://op2.example.org, storageIds: [r2] }
    - { host: https://op3.example.org, storageIds: [r3] }
`;
const on = testConfig(`${providersYaml}dataReplication: { enabled: true, numberOfReplicas: 2 }\n`);
const off = testConfig(providersYaml);
const providers = on.restAccess.oneproviders.map((p) => ({ url: p.host, isPrimary: p.isPrimary, storageIds: p.storageIds }) as LifecycleProvider);

describe('the replication request', () => {
  it('comes from the config unless the file says otherwise; false or 1 replica asks for none', () => {
    expect(replicationRequest(on, {})).toEqual({ replicas: 2, source: 'config' });
    expect(replicationRequest(off, {})).toBeUndefined();
    expect(replicationRequest(off, { Replication: { Replicas: 3 } })).toEqual({ replicas: 3, source: 'metadata' });
    expect(replicationRequest(on, { Replication: false })).toBeUndefined();
    expect(replicationRequest(on, { Replication: { Replicas: 1 } })).toBeUndefined();
    expect(replicationRequest(on, { Replication: { Replicas: 2, Providers: ['op3.example.org'] } })).toEqual({
      replicas: 2,
      providers: ['op3.example.org'],
      source: 'metadata',
    });
  });

  it('refuses what it cannot read, saying which key', () => {
    for (const bad of [
      { Replication: 'yes' },
      { Replication: { Replicas: 0 } },
      { Replication: { Replicas: '2' } },
      { Replication: { Replicas: 2, Providers: 'op2' } },
    ]) {
      expect(() => replicationRequest(on, bad as never)).toThrow(ReplicationRequestError);
    }
  });

  it('chooses secondaries deterministically in config order, only those named, never the primary; too few is an error', () => {
    expect(chooseReplicaProviders({ replicas: 2, source: 'config' }, providers).map((p) => p.url)).toEqual(['https://op2.example.org']);
    expect(chooseReplicaProviders({ replicas: 3, source: 'config' }, providers).map((p) => p.url)).toEqual([
      'https://op2.example.org',
      'https://op3.example.org',
    ]);
    expect(chooseReplicaProviders({ replicas: 2, providers: ['https://OP3.example.org/'], source: 'metadata' }, providers).map((p) => p.url)).toEqual([
      'https://op3.example.org',
    ]);
    expect(() => chooseReplicaProviders({ replicas: 4, source: 'metadata' }, providers)).toThrow(/3 secondary/);
    expect(() => chooseReplicaProviders({ replicas: 2, providers: ['https://op1.example.org'], source: 'metadata' }, providers)).toThrow(
      /not a configured secondary/,
    );
  });
});
