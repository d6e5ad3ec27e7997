/**
 * `s3od access`: the pure parts (TTL, caveats, token name, snippets, the output that reveals only
 * the token it was asked for) and issuing / revoking against the in-process Onedata simulator with
 * an in-memory bucket for the record.
 */
import { load } from 'js-yaml';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startOnedataSim } from '../../../infra/local/onedata-sim/index.ts';
import { issueAccessToken, revokeAccessTokens, type AccessDeps } from '../../../infra/cli/lib/access-grants.ts';
import { kubernetesSecretSnippet, oneclientSnippet, type SnippetInput } from '../../../infra/cli/lib/access-snippets.ts';
import { accessCaveats, accessTokenName, describeCaveats, parseTtl, spacePathEntry } from '../../../infra/cli/lib/access-token.ts';
import { CommandFailed, Output, UsageError } from '../../../infra/cli/lib/io.ts';
import { renderDatasetStatus } from '../../../infra/cli/lib/status-render.ts';
import { datasetRef } from '../../../shared/dataset/ref.ts';
import { createLogger } from '../../../shared/log/index.ts';
import { createOnedataClient, type OnedataClient } from '../../../shared/onedata/index.ts';
import { newDatasetState, type DatasetState } from '../../../shared/state/dataset-state.ts';
import { StateStore } from '../../../shared/state/state-store.ts';
import { MemoryObjects } from '../../helpers/memory-objects.ts';

describe('parseTtl', () => {
  it('reads s, m, h, d, w and plain seconds', () => {
    expect(parseTtl('7d')).toBe(7 * 86_400);
    expect(parseTtl('12h')).toBe(43_200);
    expect(parseTtl('30m')).toBe(1800);
    expect(parseTtl('2w')).toBe(1_209_600);
    expect(parseTtl('90')).toBe(90);
    expect(parseTtl(' 365d ')).toBe(365 * 86_400);
  });

  it('refuses other forms and lifetimes outside 1 minute to 365 days', () => {
    for (const bad of ['', '7 d', '1.5h', '-1d', 'd', '7y', '59s', '366d', '1e3']) expect(() => parseTtl(bad), bad).toThrow(UsageError);
  });
});

describe('the caveats', () => {
  it('are time, data.readonly and data.path with base64 of the canonical /<spaceId>', () => {
    const spaceId = 'c265f2cc65a1bc1835929288be145d72';
    expect(spacePathEntry(spaceId)).toBe(Buffer.from(`/${spaceId}`).toString('base64'));
    expect(Buffer.from(spacePathEntry(spaceId), 'base64').toString()).toBe(`/${spaceId}`);
    expect(accessCaveats({ spaceId, validUntil: 1_800_000_000 })).toEqual([
      { type: 'time', validUntil: 1_800_000_000 },
      { type: 'data.readonly' },
      { type: 'data.path', whitelist: [spacePathEntry(spaceId)] },
    ]);
  });

  it('add interface oneclient only when asked', () => {
    const caveats = accessCaveats({ spaceId: 's1', validUntil: 1, oneclientOnly: true });
    expect(caveats.at(-1)).toEqual({ type: 'interface', interface: 'oneclient' });
    expect(accessCaveats({ spaceId: 's1', validUntil: 1 }).some((c) => c.type === 'interface')).toBe(false);
  });

  it('are described in words with the expiry and the decoded path', () => {
    expect(describeCaveats(accessCaveats({ spaceId: 'abc', validUntil: 1_800_000_000, oneclientOnly: true }))).toBe(
      'time < 2027-01-15T08:00:00.000Z, data.readonly, data.path /abc, interface oneclient',
    );
  });
});

describe('accessTokenName', () => {
  const NAME_RULE = /^[()\p{L}\p{N}_][()\p{L}\p{N}_ .-]{0,126}[()\p{L}\p{N}_]$/u;

  it('numbers the grants of a dataset, so repeated calls do not collide', () => {
    expect(accessTokenName('Run1', 1)).toBe('s3od-access-1_Run1');
    expect(accessTokenName('Run1', 2)).not.toBe(accessTokenName('Run1', 1));
  });

  it('keeps to Onedata\'s name rules: at most 128 characters, no ".", "-" or space at the end', () => {
    const long = accessTokenName(`${'a'.repeat(110)}.-b`, 12);
    expect(long.length).toBeLessThanOrEqual(128);
    expect(long).toMatch(NAME_RULE);
    const cutOnDot = accessTokenName(`${'x'.repeat(111)}. .yz`, 3);
    expect(cutOnDot).toMatch(NAME_RULE);
  });
});

describe('snippets', () => {
  const input: SnippetInput = {
    oneproviderUrl: 'https://provider.example.org',
    spaceId: 'c265f2cc65a1bc1835929288be145d72',
    token: 'MDAxY2xvY2F0aW9uIG9uZXpvbm0vRoKEN',
    tokenId: 'tok123',
    expiresAt: '2026-12-11T14:00:00.000Z',
    folder: 'datasets/Run1',
  };

  it('Oneclient: the token in ONECLIENT_ACCESS_TOKEN, the provider host, only this space', () => {
    const text = oneclientSnippet(input);
    expect(text).toContain(`export ONECLIENT_ACCESS_TOKEN='${input.token}'`);
    expect(text).toContain(`oneclient -H provider.example.org --space-id ${input.spaceId} /mnt/onedata`);
    expect(text).not.toMatch(/ -t /);
    expect(oneclientSnippet({ ...input, oneproviderUrl: 'https://p.example.org:8443' })).toContain('oneclient -H p.example.org -P 8443 --space-id');
  });

  it("Kubernetes: a Secret with host and onedata_token (what Scipion's csi-onedata volume reads), valid YAML", () => {
    const doc = load(kubernetesSecretSnippet(input)) as Record<string, any>;
    expect(doc).toMatchObject({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: {
        name: 'sec-scipion-onedata',
        labels: { 'cerit-onedata-secret': 'yes' },
        annotations: { 's3od/dataset': 'datasets/Run1', 's3od/space-id': input.spaceId, 's3od/token-id': 'tok123', 's3od/expires-at': input.expiresAt },
      },
      stringData: { host: 'provider.example.org', onedata_token: input.token },
    });
  });

  it('a hostile folder name stays one YAML string, with no raw control or bidi character', () => {
    const folder = 'datasets/evil\n  onedata_token: x\u202e\u001b[2J';
    const text = kubernetesSecretSnippet({ ...input, folder });
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u202e]/);
    const doc = load(text) as Record<string, any>;
    expect(doc.metadata.annotations['s3od/dataset']).toBe(folder);
    expect(doc.stringData.onedata_token).toBe(input.token);
  });
});

describe('Output.outRevealing', () => {
  it('prints the one secret asked for and still masks every other one; plain lines mask it', () => {
    let out = '';
    const output = new Output({ stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (out += t) } });
    output.addSecret('the-service-token-123');
    output.addSecret('the-new-access-token');
    output.outRevealing('token the-new-access-token, service the-service-token-123', 'the-new-access-token');
    output.out('again the-new-access-token');
    output.err('err the-new-access-token');
    expect(out).toBe('token the-new-access-token, service [REDACTED]\nagain [REDACTED]\nerr [REDACTED]\n');
  });
});

describe('s3od status', () => {
  it('lists the recorded access tokens by id with their state (valid, expired, revoked), never a token', () => {
    const st = newDatasetState(datasetRef('facility', 'datasets', 'Run1'));
    const base = { issuedAt: '2026-01-01T00:00:00.000Z', providerUrl: 'https://p', caveats: 'data.readonly' };
    st.access = [
      { ...base, tokenId: 'tokA', name: 's3od-access-1_Run1', expiresAt: '2026-01-08T00:00:00.000Z' },
      { ...base, tokenId: 'tokB', name: 's3od-access-2_Run1', expiresAt: '2026-03-01T00:00:00.000Z' },
      { ...base, tokenId: 'tokC', name: 's3od-access-3_Run1', expiresAt: '2026-03-01T00:00:00.000Z', revokedAt: '2026-01-05T00:00:00.000Z' },
    ];
    const lines = renderDatasetStatus(st, new Date('2026-02-01T00:00:00Z')).filter((l) => l.includes('access token'));
    expect(lines).toEqual([
      '  access token    tokA (s3od-access-1_Run1) · expired 2026-01-08T00:00:00.000Z',
      '  access token    tokB (s3od-access-2_Run1) · valid until 2026-03-01T00:00:00.000Z',
      '  access token    tokC (s3od-access-3_Run1) · revoked 2026-01-05T00:00:00.000Z',
    ]);
  });
});

describe('issuing and revoking (in-process simulator, in-memory record)', () => {
  type Sim = Awaited<ReturnType<typeof startOnedataSim>>;
  let sim: Sim;
  let od: OnedataClient;
  let objects: MemoryObjects;
  let deps: AccessDeps;
  let state: DatasetState;
  const provider = { url: 'http://127.0.0.1:1', providerId: 'p1' };
  const dataset = datasetRef('facility', 'datasets', 'Run1');

  beforeAll(async () => {
    sim = await startOnedataSim({ latencyMs: 0 });
  });
  afterAll(async () => {
    await sim?.close();
  });
  beforeEach(async () => {
    sim.configure({ dropAnswers: [] });
    sim.reset();
    od = createOnedataClient({
      onezoneUrl: sim.url,
      oneproviderUrl: sim.url,
      onezoneToken: sim.info.token,
      timeoutMs: 5000,
      retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 5 },
      logger: createLogger({ test: true }),
    });
    const spaceId = await od.zone.createSpace({ groupId: sim.info.managerGroupId, name: 'Run1' });
    objects = new MemoryObjects();
    const states = new StateStore(objects);
    state = newDatasetState(dataset);
    state.status = 'provisioned';
    state.outputs = { spaceId, onedataName: 'Run1' };
    await states.update(dataset, (s) => void Object.assign(s, state));
    deps = { zone: od.zone, states };
  });

  const simTokens = (): any[] => (sim.state() as any).tokens;
  const recorded = async (): Promise<DatasetState> => (await deps.states.read(dataset.id))!.state;

  it('records the id, expiry, provider and caveats — never the token — and names tokens 1, 2, …', async () => {
    const first = await issueAccessToken(deps, state, { provider, ttlSeconds: 3600, oneclientOnly: false });
    const rec = await recorded();
    expect(rec.access).toEqual([
      expect.objectContaining({ tokenId: first.grant.tokenId, name: 's3od-access-1_Run1', providerUrl: provider.url, providerId: 'p1' }),
    ]);
    expect(rec.access![0]!.caveats).toMatch(/^time < .*, data\.readonly, data\.path \/[0-9a-f]+$/);
    // validUntil is in whole seconds.
    expect(Date.parse(rec.access![0]!.expiresAt) - Date.parse(rec.access![0]!.issuedAt)).toBeGreaterThan(3599_000);
    expect(Date.parse(rec.access![0]!.expiresAt) - Date.parse(rec.access![0]!.issuedAt)).toBeLessThanOrEqual(3600_000);
    expect(objects.text(`.s3od/state/${dataset.id}.json`)).not.toContain(first.token);
    const token = simTokens().find((t) => t.id === first.grant.tokenId);
    expect(token.caveats).toEqual(accessCaveats({ spaceId: state.outputs.spaceId!, validUntil: Date.parse(first.grant.expiresAt) / 1000 }));
    expect(token.type).toEqual({ accessToken: {} });
    const second = await issueAccessToken(deps, rec, { provider, ttlSeconds: 3600, oneclientOnly: true });
    expect(second.grant.name).toBe('s3od-access-2_Run1');
    expect((await recorded()).access).toHaveLength(2);
  });

  it('a create whose answer was lost is revoked (never handed out) and the next name taken', async () => {
    // The client's retry of the create then finds the name taken.
    sim.configure({ dropAnswers: [{ method: 'POST', path: '/api/v3/onezone/user/tokens/named', bodyContains: 's3od-access-1_Run1', times: 1 }] });
    const issued = await issueAccessToken(deps, state, { provider, ttlSeconds: 600, oneclientOnly: false });
    expect(issued.grant.name).toBe('s3od-access-2_Run1');
    const orphan = simTokens().find((t) => t.name === 's3od-access-1_Run1');
    expect(orphan.revoked).toBe(true);
    expect((await recorded()).access!.map((g) => g.tokenId)).toEqual([issued.grant.tokenId]);
  });

  it('an orphan left by an earlier failed run (every answer lost) is revoked by the next run', async () => {
    sim.configure({ dropAnswers: [{ method: 'POST', path: '/api/v3/onezone/user/tokens/named', bodyContains: 's3od-access-1_Run1', times: 2 }] });
    await expect(issueAccessToken(deps, state, { provider, ttlSeconds: 600, oneclientOnly: false })).rejects.toThrow(/connectionError/);
    expect(simTokens().find((t) => t.name === 's3od-access-1_Run1').revoked).toBe(false);
    const issued = await issueAccessToken(deps, state, { provider, ttlSeconds: 600, oneclientOnly: false });
    expect(issued.grant.name).toBe('s3od-access-2_Run1');
    expect(simTokens().find((t) => t.name === 's3od-access-1_Run1').revoked).toBe(true);
  });

  it('a token that cannot be recorded is revoked again', async () => {
    objects.beforePut = () => {
      throw new Error('the bucket refused the write');
    };
    await expect(issueAccessToken(deps, state, { provider, ttlSeconds: 600, oneclientOnly: false })).rejects.toThrow(CommandFailed);
    expect(simTokens().filter((t) => t.name.startsWith('s3od-access-'))).toEqual([expect.objectContaining({ revoked: true })]);
  });

  it('--revoke: one by id, or all not yet revoked; an id s3od did not issue for the dataset is refused', async () => {
    const a = await issueAccessToken(deps, state, { provider, ttlSeconds: 600, oneclientOnly: false });
    const b = await issueAccessToken(deps, await recorded(), { provider, ttlSeconds: 600, oneclientOnly: false });
    await expect(revokeAccessTokens(deps, await recorded(), sim.info.token.slice(0, 10))).rejects.toThrow(/no access token with id/);
    const one = await revokeAccessTokens(deps, await recorded(), a.grant.tokenId);
    expect(one.revoked.map((g) => g.tokenId)).toEqual([a.grant.tokenId]);
    expect(simTokens().find((t) => t.id === a.grant.tokenId).revoked).toBe(true);
    expect(simTokens().find((t) => t.id === b.grant.tokenId).revoked).toBe(false);
    // b deleted in Onezone meanwhile: recorded as revoked, reported as gone.
    await od.zone.deleteNamedToken(b.grant.tokenId);
    const rest = await revokeAccessTokens(deps, await recorded());
    expect(rest.revoked).toEqual([]);
    expect(rest.missing.map((g) => g.tokenId)).toEqual([b.grant.tokenId]);
    const rec = await recorded();
    expect(rec.access!.every((g) => g.revokedAt)).toBe(true);
    expect(rec.history.map((h) => h.event)).toContain('access token revoked');
  });
});
