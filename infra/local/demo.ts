import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { s3ClientFor } from '../../shared/aws/clients.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pollUntil } from '../../shared/retry/index.ts';
import { PROJECT_ROOT, type StackInfo } from './stack.ts';

/**
 * The demo: upload a small cryo-EM-like dataset (movies, then the metadata file, as a microscope
 * would), wait until s3od has written the access information back into SPA.yml, and show it
 * together with what the Onedata simulator now holds.
 */
export async function runDemo(info: StackInfo, datasetName = `20211227125_Demo`): Promise<void> {
  const s3 = s3ClientFor({ endpoint: info.s3Endpoint, region: info.region, credentials: { accessKeyId: info.accessKeyId, secretAccessKey: info.secretAccessKey } });
  const prefix = `datasets/${datasetName}`;
  const put = (key: string, body: string | Buffer) => s3.send(new PutObjectCommand({ Bucket: info.bucket, Key: key, Body: body }));
  const started = Date.now();
  for (let i = 1; i <= 3; i++) await put(`${prefix}/Movies/FoilHole_${i}_Data.tiff`, Buffer.alloc(1024 * i, i));
  const metadata = readFileSync(join(PROJECT_ROOT, 'infra/local/sample-dataset/SPA.yml'));
  await put(`${prefix}/SPA.yml`, metadata);
  console.log(`demo: uploaded 3 movies and ${prefix}/SPA.yml to s3://${info.bucket}; waiting for s3od ...`);
  const text = await pollUntil(
    async () => {
      const obj = await s3.send(new GetObjectCommand({ Bucket: info.bucket, Key: `${prefix}/SPA.yml` }));
      const body = await obj.Body!.transformToString();
      return /\n\s*PublicURL:/.test(body) ? body : undefined;
    },
    { deadlineMs: 60_000, initialDelayMs: 100, maxDelayMs: 1000, description: 'the access information in SPA.yml' },
  );
  const state = (await (await fetch(`${info.onedataUrl}/_sim/state`)).json()) as { counts?: Record<string, number> };
  console.log(`demo: provisioned in ${Date.now() - started} ms. ${prefix}/SPA.yml now ends with:\n`);
  console.log(text.slice(text.lastIndexOf('Onedata:')).replace(/(InviteToken: ).{12}.*/, '$1<invite token, shown in the file>'));
  console.log(`demo: the Onedata simulator holds ${JSON.stringify(state.counts ?? {})}`);
  s3.destroy();
}
