import { describe, expect, it } from 'vitest';
import { datasetRef } from '../../../shared/dataset/ref.ts';
import { DEFAULT_TAGS } from '../../../shared/metadata/index.ts';
import { buildPublication } from '../../../shared/metadata/publication.ts';
import { newDatasetState } from '../../../shared/state/dataset-state.ts';
import { renderStatusObject } from '../../../shared/state/status-object.ts';

// Guards the recorded-secret scrub of buildPublication and renderStatusObject.
const TOKEN = 'MDAxY2xvY2F0aW9uIG9uZXpvbmUKMDAzMGlkZW50aWZpZXIgcmVjb3JkZWQtdG9rZW4';

describe('buildPublication', () => {
  const input = (doc: Record<string, unknown>, recorded: (string | undefined)[]) => ({
    doc: doc as never,
    tags: DEFAULT_TAGS,
    recordedSecrets: recorded,
    datasetName: 'Run1',
    institutionName: 'Facility',
    rootFileId: 'abc',
    includeMetadata: true,
  });

  it('scrubs the recorded token from values and keys when the file no longer has our section', () => {
    const p = buildPublication(input({ Access: `join with ${TOKEN}`, [TOKEN]: 'key', List: [TOKEN] }, [TOKEN]));
    expect(JSON.stringify(p.jsonMetadata)).not.toContain(TOKEN);
    expect(p.jsonMetadata).toMatchObject({ Access: 'join with [redacted]', List: ['[redacted]'] });
    expect(p.shareDescription).not.toContain(TOKEN);
    expect(p.shareDescription).toContain('[redacted]');
  });

  it('without a recorded token, a quoted token outside the section would be published (the scrub is what stops it)', () => {
    const p = buildPublication(input({ Access: `join with ${TOKEN}` }, [undefined]));
    expect(p.jsonMetadata).toMatchObject({ Access: `join with ${TOKEN}` });
  });

  it('the hash changes with what is published', () => {
    expect(buildPublication(input({ A: 1 }, [])).hash).not.toBe(buildPublication(input({ A: 2 }, [])).hash);
    expect(buildPublication(input({ A: 1 }, [])).hash).toBe(buildPublication(input({ A: 1, Onedata: { Space: 'x' } }, [])).hash);
  });
});

describe('renderStatusObject', () => {
  it('never carries the recorded token, even inside an error message quoting the file', () => {
    const s = newDatasetState(datasetRef('b', 'd', 'Run1'));
    s.status = 'failed';
    s.outputs.inviteToken = TOKEN;
    s.failureReason = `SPA.yml line 3: "Access: join with ${TOKEN}" is not valid`;
    const text = renderStatusObject(s);
    expect(text).not.toContain(TOKEN);
    expect(text).toContain('[redacted]');
  });
});
