/**
 * `s3od access` on the local stack: a dataset provisioned by the functions, a token issued by the
 * CLI, then used as a compute site would use it — against the simulator's Oneprovider, which
 * enforces the caveats (tests/contract/simulator-data-caveats.test.ts). It reads this dataset's
 * space and nothing of another dataset's, cannot write, and stops working when revoked. The token
 * appears in the command's stdout and nowhere else: not in stderr, the record or any log line.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { load } from 'js-yaml';
import type { DatasetState } from '../../shared/state/dataset-state.ts';
import { runCli, stackFileOf, stackSecrets, type CliResult } from '../helpers/cli.ts';
import { readState, uniqueName, uploadDataset, waitForStatus } from '../helpers/datasets.ts';
import { capturedLogs, getText, s3Client, stackInfo, waitForQueuesIdle } from '../helpers/stack-client.ts';

const info = stackInfo();
const s3 = s3Client(info);
const stack = ['--stack', stackFileOf(info)];

let prefixA: string;
let prefixB: string;
let stateA: DatasetState;
let stateB: DatasetState;

/** A Oneprovider call with the given token, as a compute site makes it. */
async function op(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${info.onedataUrl}/api/v3/oneprovider${path}`, {
    method,
    headers: { 'x-auth-token': token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** The token is in stdout (asked for) and nowhere else the CLI wrote; no stack secret anywhere. */
function expectTokenOnlyInStdout(r: CliResult, token: string): void {
  expect(r.stdout).toContain(token);
  expect(r.stderr).not.toContain(token);
  for (const secret of [...stackSecrets(info), stateA.outputs.inviteToken!]) {
    expect(r.stdout).not.toContain(secret);
    expect(r.stderr).not.toContain(secret);
  }
}

async function expectNowhereStored(token: string): Promise<void> {
  expect(await getText(s3, `.s3od/state/${stateA.dataset.id}.json`)).not.toContain(token);
  expect((await capturedLogs()).filter((l) => l.includes(token))).toEqual([]);
}

beforeAll(async () => {
  prefixA = await uploadDataset(s3, uniqueName('CliAccessA'), { files: 2 });
  prefixB = await uploadDataset(s3, uniqueName('CliAccessB'), { files: 1 });
  await waitForStatus(s3, prefixA, ['provisioned']);
  await waitForStatus(s3, prefixB, ['provisioned']);
  await waitForQueuesIdle();
  stateA = (await readState(s3, prefixA))!;
  stateB = (await readState(s3, prefixB))!;
});

describe('s3od access', () => {
  it('--json: {spaceId, oneproviderUrl, token, expiresAt, tokenId}; the token reads this space only and cannot write', async () => {
    const before = Date.now();
    const r = await runCli(['access', prefixA, '--ttl', '1h', '--json', ...stack]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out).sort()).toEqual(['expiresAt', 'oneproviderUrl', 'spaceId', 'token', 'tokenId']);
    expect(out.spaceId).toBe(stateA.outputs.spaceId);
    expect(out.oneproviderUrl).toBe(info.onedataUrl.replace(/\/+$/, ''));
    expect(Math.abs(Date.parse(out.expiresAt) - (before + 3600_000))).toBeLessThan(60_000);
    expectTokenOnlyInStdout(r, out.token);

    // Reads the root of its own space (the two data objects registered under Movies/).
    const root = await op(out.token, 'GET', `/data/${stateA.outputs.spaceId}/children`);
    expect(root.status).toBe(200);
    expect(root.body.children.map((c: { name: string }) => c.name)).toEqual(['Movies']);
    const movies = await op(out.token, 'GET', `/data/${root.body.children[0].file_id ?? root.body.children[0].fileId}/children`);
    expect(movies.body.children.map((c: { name: string }) => c.name)).toEqual(['movie_0.tiff', 'movie_1.tiff']);
    const spaces = await op(out.token, 'GET', '/spaces');
    expect(spaces.body.map((s: { spaceId: string }) => s.spaceId)).toEqual([stateA.outputs.spaceId]);

    // Not another dataset's space, which the same service user reads with its own token.
    expect((await op(info.onedataToken, 'GET', `/data/${stateB.outputs.spaceId}/children`)).status).toBe(200);
    const other = await op(out.token, 'GET', `/data/${stateB.outputs.spaceId}/children`);
    expect(other.status).toBe(400);
    expect(other.body.error).toMatchObject({ id: 'posix', details: { errno: 'eacces' } });

    // No write.
    const write = await op(out.token, 'PUT', `/data/${stateA.outputs.rootFileId ?? stateA.outputs.spaceId}/metadata/json`, { changed: true });
    expect(write.status).toBe(400);
    expect(write.body.error).toMatchObject({ id: 'posix', details: { errno: 'eacces' } });

    // Recorded: the id and what it allows, never the token.
    const rec = (await readState(s3, prefixA))!;
    expect(rec.access).toEqual([expect.objectContaining({ tokenId: out.tokenId, expiresAt: out.expiresAt, providerUrl: out.oneproviderUrl })]);
    await expectNowhereStored(out.token);
  });

  it('prints the endpoint, the Oneclient command line and a Kubernetes Secret; --revoke TOKEN_ID and --revoke stop the tokens', async () => {
    const r = await runCli(['access', prefixA, ...stack]);
    expect(r.code, r.stderr).toBe(0);
    const tokenId = /token id\s+(\S+)/.exec(r.stdout)![1]!;
    const token = /Token \(a secret[^\n]*\n(\S+)\n/.exec(r.stdout)![1]!;
    expectTokenOnlyInStdout(r, token);
    expect(r.stdout).toContain(`oneprovider  ${info.onedataUrl.replace(/\/+$/, '')}`);
    expect(r.stdout).toContain(`export ONECLIENT_ACCESS_TOKEN='${token}'`);
    expect(r.stdout).toMatch(new RegExp(`oneclient -H 127\\.0\\.0\\.1 -P \\d+ --space-id ${stateA.outputs.spaceId} /mnt/onedata`));
    const secret = load(r.stdout.slice(r.stdout.indexOf('apiVersion: v1'))) as any;
    expect(secret).toMatchObject({
      kind: 'Secret',
      stringData: { host: '127.0.0.1', onedata_token: token },
      metadata: { annotations: { 's3od/space-id': stateA.outputs.spaceId, 's3od/token-id': tokenId } },
    });
    expect(r.stdout).toContain(`revoke with  s3od access ${prefixA} --revoke ${tokenId}`);
    await expectNowhereStored(token);

    const first = (await readState(s3, prefixA))!.access![0]!;
    const third = JSON.parse((await runCli(['access', prefixA, '--json', ...stack])).stdout);
    expect((await op(token, 'GET', `/data/${stateA.outputs.spaceId}`)).status).toBe(200);

    // One by id: only that one stops.
    const one = await runCli(['access', prefixA, '--revoke', tokenId, ...stack]);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toMatch(new RegExp(`^revoked ${tokenId} `, 'm'));
    const revoked = await op(token, 'GET', `/data/${stateA.outputs.spaceId}`);
    expect(revoked.status).toBe(401);
    expect(revoked.body.error.details.authError.id).toBe('tokenRevoked');
    expect((await op(third.token, 'GET', `/data/${stateA.outputs.spaceId}`)).status).toBe(200);

    // All the rest.
    const all = await runCli(['access', prefixA, '--revoke', '--json', ...stack]);
    expect(all.code, all.stderr).toBe(0);
    expect(JSON.parse(all.stdout).revoked.sort()).toEqual([first.tokenId, third.tokenId].sort());
    expect((await op(third.token, 'GET', `/data/${stateA.outputs.spaceId}`)).status).toBe(401);
    const rec = (await readState(s3, prefixA))!;
    expect(rec.access!.every((g) => g.revokedAt)).toBe(true);
    // Nothing left to revoke.
    expect((await runCli(['access', prefixA, '--revoke', ...stack])).stdout).toMatch(/no access token to revoke/);
  });

  it('refuses a dataset without a record, an unknown provider and a bad --ttl', async () => {
    const none = await runCli(['access', 'datasets/NoSuchDataset_acc', ...stack]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no record for datasets\/NoSuchDataset_acc/);
    const provider = await runCli(['access', prefixB, '--provider', 'no-such-provider', ...stack]);
    expect(provider.code).toBe(1);
    expect(provider.stderr).toMatch(/no configured Oneprovider is named no-such-provider/);
    const ttl = await runCli(['access', prefixB, '--ttl', '10y', ...stack]);
    expect(ttl.code).toBe(2);
    // Nothing was issued for B.
    expect((await readState(s3, prefixB))!.access).toBeUndefined();
  });

  it('--provider takes a configured Oneprovider by the name it reports', async () => {
    const r = await runCli(['access', prefixB, '--provider', 'sim-provider-1', '--json', ...stack]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.oneproviderUrl).toBe(info.onedataUrl.replace(/\/+$/, ''));
    const rec = (await readState(s3, prefixB))!;
    expect(rec.access).toEqual([expect.objectContaining({ tokenId: out.tokenId, providerId: info.sim.providerIds[0] })]);
    expect((await runCli(['access', prefixB, '--revoke', ...stack])).code).toBe(0);
  });

  it('--oneclient-only adds the interface caveat: the token is refused over REST', async () => {
    const r = await runCli(['access', prefixB, '--oneclient-only', '--json', ...stack]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const rest = await op(out.token, 'GET', `/data/${stateB.outputs.spaceId}/children`);
    expect(rest.status).toBe(401);
    expect(rest.body.error.details.authError).toMatchObject({
      id: 'tokenCaveatUnverified',
      details: { caveat: { type: 'interface', interface: 'oneclient' } },
    });
    const grant = (await readState(s3, prefixB))!.access!.find((g) => g.tokenId === out.tokenId)!;
    expect(grant.caveats).toMatch(/interface oneclient$/);
    expect((await runCli(['access', prefixB, '--revoke', out.tokenId, ...stack])).code).toBe(0);
  });
});
