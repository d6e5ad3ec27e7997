import { describe, expect, it } from 'vitest';
import { load } from 'js-yaml';
import { pollUntil } from '../../shared/retry/index.ts';
import { onedataObjectsNamed, SAMPLE_METADATA, uniqueName, uploadDataset, waitForStatus } from '../helpers/datasets.ts';
import { getText, putObject, s3Client, simState, stackInfo } from '../helpers/stack-client.ts';

/**
 * Guards buildPublication's `recordedSecrets` (shared/metadata/publication.ts) on the real path:
 * an operator re-uploads the file without our section but keeps a note quoting the invite token.
 * The refresh republishes the operator's metadata; the token s3od recorded must appear neither in
 * the space's JSON metadata nor in the share description nor in the status object.
 */
const info = stackInfo();
const s3 = s3Client(info);

describe('the recorded invite token is never published', () => {
  it('is scrubbed after the operator drops our section but quotes the token elsewhere', async () => {
    const name = uniqueName('E2E_Scrub');
    const prefix = await uploadDataset(s3, name, { files: 1 });
    const first = await waitForStatus(s3, prefix, ['provisioned']);
    const token = first.outputs.inviteToken!;
    expect(token.length).toBeGreaterThan(30);
    const publishedBefore = first.outputs.publishedMetadataHash;

    const edited = `${SAMPLE_METADATA}Access: "join with ${token}"\nNotes:\n  - ${token}\n`;
    await putObject(s3, `${prefix}/SPA.yml`, edited);
    // The refresh restores our section and republishes the changed metadata.
    await pollUntil(
      async () => {
        const s = await waitForStatus(s3, prefix, ['provisioned']);
        return s.outputs.publishedMetadataHash !== publishedBefore ? s : undefined;
      },
      { deadlineMs: 30_000, initialDelayMs: 100, maxDelayMs: 500, description: 'the metadata to be republished' },
    );
    const text = await getText(s3, `${prefix}/SPA.yml`);
    expect(text.startsWith(edited)).toBe(true);
    expect((load(text) as any).Onedata.InviteToken).toBe(token);

    const sim = await simState();
    const json = sim.jsonMetadata.find((m: any) => m.spaceId === first.outputs.spaceId);
    expect(json.metadata.Access).toBe('join with [redacted]');
    expect(JSON.stringify(json.metadata)).not.toContain(token);
    const [share] = (await onedataObjectsNamed(name)).shares;
    expect(share.description).not.toContain(token);
    expect(await getText(s3, `${prefix}/.s3od-status.yml`)).not.toContain(token);
  });
});
