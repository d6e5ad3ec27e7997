import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigFile, loadSecrets } from '../../shared/config/index.ts';
import { datasetRef } from '../../shared/dataset/ref.ts';
import { KeyClassifier } from '../../shared/events/classify.ts';
import { createLogger } from '../../shared/log/index.ts';
import { createOnedataClient } from '../../shared/onedata/index.ts';
import { provisionDataset } from '../../shared/provisioning/provision-dataset.ts';
import type { ProvisioningDeps } from '../../shared/provisioning/context.ts';
import type { ProvisionJob } from '../../shared/queue/jobs.ts';
import { StateStore } from '../../shared/state/state-store.ts';
import { ObjectStore, PreconditionFailedError } from '../../shared/storage/objects.ts';
import { expectExactlyOneOfEach, onedataObjectsNamed, readState, SAMPLE_METADATA, uniqueName } from '../helpers/datasets.ts';
import { getText, putObject, s3Client, stackInfo } from '../helpers/stack-client.ts';

/**
 * An operator saves the metadata file after the saga read it and before the saga's write-back
 * reaches S3. The moment is not left to timing: the saga runs in this test process on the real
 * Ceph RGW and the shared Onedata simulator, with an ObjectStore whose conditional PUT of the
 * metadata file first lets the "operator" upload their edit (the hook), then sends the PUT.
 *
 * Guards: the write-back's compare-and-swap (`If-Match` on the ETag read) and its re-read and
 * merge on 412 (shared/provisioning/access-info-write.ts). Shown to fail when the PUT was made
 * unconditional (the operator's edit was overwritten: the first PUT was not refused and the file
 * no longer started with their text).
 */
const info = stackInfo();
const s3 = s3Client(info);
// A folder the stack's own functions do not watch: only this test's saga provisions it.
const base = `race${randomBytes(3).toString('hex')}`;

/** Records the PUTs of one key; before the first one (the write-back's), runs the hook. */
class HookedObjects extends ObjectStore {
  readonly puts: { ifMatch?: string; refused: boolean }[] = [];
  hookRuns = 0;
  constructor(
    s3c: ConstructorParameters<typeof ObjectStore>[0],
    bucket: string,
    private readonly key: string,
    private readonly hook: () => Promise<void>,
  ) {
    super(s3c, bucket);
  }

  override async put(key: string, body: Buffer | string, cond: { ifMatch?: string; ifNoneMatch?: '*' } = {}, contentType?: string): Promise<string> {
    if (key !== this.key) return super.put(key, body, cond, contentType);
    if (this.hookRuns === 0) {
      this.hookRuns++;
      await this.hook();
    }
    try {
      const etag = await super.put(key, body, cond, contentType);
      this.puts.push({ ...(cond.ifMatch ? { ifMatch: cond.ifMatch } : {}), refused: false });
      return etag;
    } catch (e) {
      this.puts.push({ ...(cond.ifMatch ? { ifMatch: cond.ifMatch } : {}), refused: e instanceof PreconditionFailedError });
      throw e;
    }
  }
}

describe('an operator edit between the saga reading the metadata file and writing it back', () => {
  const clients: { destroy(): void }[] = [];
  afterAll(() => {
    for (const c of clients) c.destroy();
  });

  it('is kept: the conditional PUT is refused, the new version is read and merged', async () => {
    const stackConfig = loadConfigFile(info.configPath);
    // Replication (the stack's default) needs the secondaries' clients, which this in-process saga does not build.
    const config = { ...stackConfig, watchedDirectories: [base], dataReplication: { ...stackConfig.dataReplication, enabled: false } };
    const name = uniqueName('Race');
    const ds = datasetRef(info.bucket, base, name);
    const key = `${ds.prefix}/SPA.yml`;
    const uploadedEtag = await putObject(s3, key, SAMPLE_METADATA);
    const edited = SAMPLE_METADATA + '# operator: checked the grid types\nReviewedBy: J. Doe\n';
    let operatorEtag = '';
    const s3c = s3Client(info);
    clients.push(s3c);
    const objects = new HookedObjects(s3c, info.bucket, key, async () => {
      operatorEtag = await putObject(s3, key, edited);
    });
    const deps: ProvisioningDeps = {
      config,
      secrets: loadSecrets(info.functionEnv),
      onedata: createOnedataClient({
        onezoneUrl: config.restAccess.onezone.host,
        oneproviderUrl: config.restAccess.oneproviders[0]!.host,
        onezoneToken: info.onedataToken,
        timeoutMs: 5000,
        retry: { retries: 3, baseDelayMs: 10, maxDelayMs: 100 },
        concurrency: 8,
        logger: createLogger({ test: 'operator-edit-race' }),
      }),
      objects,
      states: new StateStore(objects),
      classifier: new KeyClassifier(config),
      enqueueListing: async () => undefined,
      log: createLogger({ test: 'operator-edit-race' }),
    };
    const job: ProvisionJob = {
      type: 'provision',
      dataset: ds,
      metadataFile: 'SPA.yml',
      etag: uploadedEtag,
      dedupKey: `provision:${ds.id}:${uploadedEtag}`,
      correlationId: randomUUID(),
      enqueuedAt: new Date().toISOString(),
      reason: 'event',
    };

    expect(await provisionDataset(job, deps)).toBe('provisioned');

    // The race happened where it was aimed: after the read (the PUT was conditional on the
    // version the saga read), and S3 refused that PUT because the operator's version was newer.
    expect(objects.hookRuns).toBe(1);
    expect(objects.puts[0]).toEqual({ ifMatch: uploadedEtag, refused: true });
    // Then the operator's version was read, merged and written on top of it.
    expect(objects.puts[1]).toEqual({ ifMatch: operatorEtag, refused: false });
    expect(objects.puts).toHaveLength(2);
    const text = await getText(s3, key);
    expect(text.startsWith(edited)).toBe(true);
    const state = (await readState(s3, ds.prefix))!;
    expect(text).toContain(`Space: ${state.outputs.spaceId}`);
    expect(text).toContain(`PublicURL: ${state.outputs.publicUrl}`);
    expect(text.match(/\nOnedata:/g)).toHaveLength(1);
    expectExactlyOneOfEach(await onedataObjectsNamed(state.outputs.onedataName!));
  });
});
