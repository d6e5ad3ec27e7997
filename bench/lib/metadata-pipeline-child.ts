/**
 * Child process of bench/metadata-worst-case.ts (bundled with esbuild, run with plain node): one
 * metadata file through what the provision function does with it — parse with the configured
 * bounds, and for an accepted file the write-back (re-read, upsert, proof, PUT body), the JSON
 * metadata as the HTTP client serialises it, the published-metadata hash and the share description
 * with the whole metadata (`parseMetadataToShare`, the most expensive setting) — then prints its peak
 * resident set (VmHWM). The production provision handler is imported too, so the process carries
 * the same code (AWS SDK, Onedata client) as the function.
 *
 * argv: SHAPE UNITS (a shape of bench/lib/metadata-shapes.ts) or `trivial`.
 */
import { readFileSync } from 'node:fs';
import '../../functions/provision/handler.ts';
import { metadataParseSettings, parseConfig } from '../../shared/config/index.ts';
import { datasetRef } from '../../shared/dataset/ref.ts';
import { createLogger } from '../../shared/log/index.ts';
import { parseMetadata } from '../../shared/metadata/index.ts';
import type { SagaRun } from '../../shared/provisioning/context.ts';
import { publication } from '../../shared/provisioning/steps.ts';
import { writeAccessInfo } from '../../shared/provisioning/access-info-write.ts';
import { newDatasetState } from '../../shared/state/dataset-state.ts';
import type { ObjectStore } from '../../shared/storage/objects.ts';
import { SHAPES } from './metadata-shapes.ts';

const peakKB = (): number => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : process.resourceUsage().maxRSS;
};

const CONFIG = `
bucket: facility
watchedDirectories: [datasets]
institutionName: Bench
managerGroupId: m
userGroupId: u
serviceUserId: s
parseMetadataToShare: true
s3Storage: { endpoint: "https://s3.example.org" }
restAccess: { onezone: { host: zone.example.org }, oneproviders: [{ host: p.example.org }] }
`;

async function main(): Promise<void> {
  const [shapeName, unitsArg] = process.argv.slice(2);
  const text = shapeName === 'trivial' ? 'Title: a trivial file\nSample:\n  Name: x\n' : SHAPES.find((s) => s.name === shapeName)!.text(Number(unitsArg));
  const config = parseConfig(CONFIG);
  const rssBeforeKB = peakKB();
  const bytes = Buffer.from(text, 'utf8');
  const parsed = parseMetadata(bytes, metadataParseSettings(config));
  let outcome: string;
  if (!parsed.ok) outcome = parsed.error.code;
  else {
    const objects = new Map<string, { body: Buffer; etag: string }>();
    let version = 0;
    const store = {
      get: async (key: string) => objects.get(key),
      put: async (key: string, body: Buffer | string) => {
        const etag = `e${++version}`;
        objects.set(key, { body: Buffer.from(body), etag });
        return etag;
      },
    } as unknown as ObjectStore;
    const dataset = datasetRef('facility', 'datasets', 'Worst');
    const key = `${dataset.prefix}/SPA.yml`;
    objects.set(key, { body: bytes, etag: 'e0' });
    const run = {
      deps: { config, objects: store, log: createLogger() },
      record: { state: newDatasetState(dataset), etag: 'r' },
      metadata: { key, fileName: 'SPA.yml', etag: 'e0', text: parsed.text, doc: parsed.doc },
      name: 'Worst',
      outputs: {
        spaceId: 'c265f2cc65a1bc1835929288be145d72',
        inviteToken: `MDAxY2xvY2F0aW9uIG9uZXpvbmUK${'A'.repeat(400)}`,
        publicUrl: 'https://zone.example.org/share/17gd43dbede8fh8cbf995f0b4c8f960f',
        rootFileId: '000000000052F2D8736861726547756964',
      },
      log: createLogger(),
      mayHaveRunBefore: false,
    } as unknown as SagaRun;
    await writeAccessInfo(run);
    const published = publication(run);
    // As the HTTP client serialises the JSON metadata.
    const json = JSON.stringify(published.jsonMetadata);
    const hash = published.hash;
    const description = published.shareDescription;
    outcome = `provisioned (json ${json.length} B, share description ${description.length} B, hash ${hash.length})`;
  }
  process.stdout.write(`BENCH_RESULT ${JSON.stringify({ bytes: bytes.length, outcome, rssBeforeKB, peakKB: peakKB() })}\n`);
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
