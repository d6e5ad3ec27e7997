import { afterEach, describe, expect, it } from 'vitest';
import { load } from 'js-yaml';
import { pollUntil } from '../../shared/retry/index.ts';
import { WITHHELD_INVITE_TOKEN } from '../../shared/provisioning/access-info-write.ts';
import { uniqueName, uploadDataset, waitForStatus } from '../helpers/datasets.ts';
import { control, getText, s3Client, stackInfo } from '../helpers/stack-client.ts';

/**
 * Guards writtenInviteToken (shared/provisioning/access-info-write.ts): posix mode imports the whole
 * dataset folder into a space with a public share, so the invite token goes into files there (our
 * section of the metadata file, or `.fs2od`) only when `posixStorage.publishInviteToken` says so.
 */
const info = stackInfo();
const s3 = s3Client(info);

async function accessFile(key: string): Promise<any> {
  return pollUntil(
    async () => {
      const text = await getText(s3, key).catch(() => undefined);
      return text?.includes('PublicURL') ? (load(text) as any) : undefined;
    },
    { deadlineMs: 30_000, initialDelayMs: 100, maxDelayMs: 500, description: key },
  );
}

describe('posix mode keeps the invite token out of the published folder', () => {
  afterEach(async () => {
    await control('POST', '/config', {});
  });

  it('writes a placeholder into the metadata file by default; the record keeps the real token', async () => {
    await control('POST', '/config', { storageMode: 'posix' });
    const name = uniqueName('Posix_Withheld');
    const prefix = await uploadDataset(s3, name, { files: 1 });
    const state = await waitForStatus(s3, prefix, ['provisioned']);
    const doc = await accessFile(`${prefix}/SPA.yml`);
    expect(doc.Onedata.InviteToken).toBe(WITHHELD_INVITE_TOKEN);
    expect(doc.Onedata.Space).toBe(state.outputs.spaceId);
    expect(state.outputs.inviteToken!.length).toBeGreaterThan(30);
    expect(JSON.stringify(doc)).not.toContain(state.outputs.inviteToken);
  });

  it('keeps the token out of .fs2od too', async () => {
    await control('POST', '/config', { storageMode: 'posix', fs2odMetadataFile: { enabled: true, storeAccessInfo: true } });
    const name = uniqueName('Posix_Fs2od');
    const prefix = await uploadDataset(s3, name, { files: 1 });
    const state = await waitForStatus(s3, prefix, ['provisioned']);
    const fs2od = await accessFile(`${prefix}/.fs2od`);
    expect(fs2od.Onedata.InviteToken).toBe(WITHHELD_INVITE_TOKEN);
    expect(await getText(s3, `${prefix}/SPA.yml`)).not.toContain(state.outputs.inviteToken);
  });

  it('writes the real token when the operator opted in', async () => {
    await control('POST', '/config', { storageMode: 'posix', posixStorage: { publishInviteToken: true } });
    const name = uniqueName('Posix_OptIn');
    const prefix = await uploadDataset(s3, name, { files: 1 });
    const state = await waitForStatus(s3, prefix, ['provisioned']);
    expect((await accessFile(`${prefix}/SPA.yml`)).Onedata.InviteToken).toBe(state.outputs.inviteToken);
  });
});
