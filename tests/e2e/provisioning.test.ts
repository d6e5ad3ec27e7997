import { describe, expect, it } from 'vitest';
import { load } from 'js-yaml';
import { pollUntil } from '../../shared/retry/index.ts';
import { expectExactlyOneOfEach, onedataObjectsNamed, SAMPLE_METADATA, uniqueName, uploadDataset, waitForStatus } from '../helpers/datasets.ts';
import { control, getBytes, getText, putObject, s3Client, simState, stackInfo } from '../helpers/stack-client.ts';

const info = stackInfo();
const s3 = s3Client(info);

describe('provisioning end to end (Ceph RGW + SQS + Onedata simulator)', () => {
  it('provisions a dataset and writes the access information back, leaving the rest of the file as it was', async () => {
    const name = uniqueName('E2E_Demo');
    const prefix = await uploadDataset(s3, name, { files: 3 });
    const state = await waitForStatus(s3, prefix, ['provisioned', 'failed']);
    expect(state.failureReason).toBeUndefined();
    expect(state.status).toBe('provisioned');

    const text = await getText(s3, `${prefix}/SPA.yml`);
    // Every byte of the operator's file is still there, our section follows it.
    expect(text.startsWith(SAMPLE_METADATA)).toBe(true);
    const doc = load(text) as Record<string, any>;
    expect(Object.keys(doc.Onedata).sort()).toEqual(['InviteToken', 'Onezone', 'PublicURL', 'Space']);
    expect(doc.Onedata.Space).toBe(state.outputs.spaceId);
    expect(doc.Onedata.Onezone).toBe(info.onedataUrl);
    expect(doc.Onedata.PublicURL).toMatch(/\/share\//);
    expect(doc.Onedata.InviteToken.length).toBeGreaterThan(30);

    const objects = await onedataObjectsNamed(name);
    expectExactlyOneOfEach(objects);
    expect(objects.spaces[0].id).toBe(state.outputs.spaceId);
    expect(objects.storages[0]).toMatchObject({ type: 's3', importedStorage: true, readonly: true });
    expect(objects.supports[0]).toMatchObject({ importMode: 'manual' });
    const sim = await simState();
    // The dataset group is a child of the configured parent and a member of the space.
    const parent = sim.groups.find((g: any) => g.id === info.sim.userGroupId);
    expect(Object.keys(parent.children)).toContain(objects.groups[0].id);
    expect(Object.keys(objects.spaces[0].groups)).toContain(objects.groups[0].id);
    expect(objects.spaces[0].groups[objects.groups[0].id].privileges).toEqual(expect.arrayContaining(['space_view', 'space_read_data']));
    // The JSON metadata is the operator's document without the Onedata section (no invite token).
    const json = sim.jsonMetadata.find((m: any) => m.spaceId === state.outputs.spaceId);
    expect(json.metadata).toMatchObject({ Autoname: '20211227125_Demo', Sample: { Name: '70S_RNAP' } });
    expect(JSON.stringify(json.metadata)).not.toContain(doc.Onedata.InviteToken);
    expect(objects.shares[0].description).not.toContain(doc.Onedata.InviteToken);
    // The status object beside the file says so, without the token.
    const status = await getText(s3, `${prefix}/.s3od-status.yml`);
    expect(status).toMatch(/status: provisioned/);
    expect(status).not.toContain(doc.Onedata.InviteToken);
  });

  it('restores the section, without a second space, when the operator rewrites the file without it', async () => {
    const name = uniqueName('E2E_Rewrite');
    const prefix = await uploadDataset(s3, name, { files: 1 });
    const first = await waitForStatus(s3, prefix, ['provisioned']);
    const edited = SAMPLE_METADATA.replace('Instrument: TitanKrios', 'Instrument: Glacios # corrected by the operator');
    await putObject(s3, `${prefix}/SPA.yml`, edited);
    const text = await pollText(`${prefix}/SPA.yml`, (t) => t.includes('PublicURL:'));
    expect(text.startsWith(edited)).toBe(true);
    const after = await waitForStatus(s3, prefix, ['provisioned']);
    expect(after.outputs.spaceId).toBe(first.outputs.spaceId);
    expectExactlyOneOfEach(await onedataObjectsNamed(name));
  });

  it('with fs2odMetadataFile.storeAccessInfo, writes the access information to .fs2od and leaves SPA.yml untouched', async () => {
    await control('POST', '/config', { fs2odMetadataFile: { enabled: true, storeAccessInfo: true } });
    try {
      const name = uniqueName('E2E_Fs2od');
      const prefix = await uploadDataset(s3, name, { files: 1 });
      const state = await waitForStatus(s3, prefix, ['provisioned']);
      expect(await getText(s3, `${prefix}/SPA.yml`)).toBe(SAMPLE_METADATA);
      const fs2od = load(await getText(s3, `${prefix}/.fs2od`)) as Record<string, any>;
      expect(fs2od.Onedata).toMatchObject({ Space: state.outputs.spaceId, PublicURL: state.outputs.publicUrl, Onezone: info.onedataUrl });
      expectExactlyOneOfEach(await onedataObjectsNamed(name));
    } finally {
      await control('POST', '/config', {});
    }
  });

  it('keeps a file with CRLF line endings and a BOM byte-identical outside the section', async () => {
    const name = uniqueName('E2E_Crlf');
    const original = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(SAMPLE_METADATA.replace(/\n/g, '\r\n'), 'utf8')]);
    const prefix = await uploadDataset(s3, name, { files: 1, metadata: original });
    await waitForStatus(s3, prefix, ['provisioned']);
    const bytes = await getBytes(s3, `${prefix}/SPA.yml`);
    expect(bytes.subarray(0, original.length).equals(original)).toBe(true);
    const added = bytes.subarray(original.length).toString('utf8');
    expect(added).toMatch(/^Onedata:\r\n/);
    expect(added.replace(/\r\n/g, '')).not.toMatch(/\n/);
  });
});

async function pollText(key: string, ok: (t: string) => boolean): Promise<string> {
  return pollUntil(
    async () => {
      const t = await getText(s3, key);
      return ok(t) ? t : undefined;
    },
    { deadlineMs: 30_000, initialDelayMs: 100, maxDelayMs: 500, description: key },
  );
}
