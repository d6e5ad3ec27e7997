import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractZip, listArtifacts } from '../../infra/deploy/artifacts.ts';
import { readServerlessFile } from '../../infra/local/runner/serverless-file.ts';
import type { ProvisionJob } from '../../shared/queue/jobs.ts';
import { control, drainQueue, sqsClient, stackInfo } from '../helpers/stack-client.ts';

/**
 * The AWS deployment, offline: `serverless package` (osls + serverless-esbuild, dummy
 * credentials, no network) and `serverless invoke local`. Two slow tests (osls takes ~4 s to
 * start), so everything worth checking on their output is checked here at once.
 */
const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');
const info = stackInfo();
const sqs = sqsClient(info);

/**
 * Size limits per function artifact. Lambda allows 50 MB zipped / 250 MB unzipped, so those are
 * not the constraint: cold-start time grows with the code Node must parse. Today each zip is
 * ~0.7 MB (≈0.9 MB minified bundle + its source map + the config). The limits sit at about twice
 * that: a tripwire for node_modules leaking into the zip, a second copy of the AWS SDK, an
 * unminified build or inline source maps — any of which at least doubles the size.
 */
const MAX_ZIP_BYTES = 1.5 * 1024 * 1024;
const MAX_BUNDLE_BYTES = 2 * 1024 * 1024;

/** A clean environment: no AWS or S3OD variables of the test process leak into osls. */
function baseEnv(): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'NODE_EXTRA_CA_CERTS'];
  return Object.fromEntries(keep.filter((k) => process.env[k]).map((k) => [k, process.env[k]]));
}

describe('AWS deployment (osls, offline)', () => {
  beforeAll(async () => {
    await control('POST', '/pause');
  });
  afterAll(async () => {
    await control('POST', '/resume');
    sqs.destroy();
  });

  it('serverless package (stage ci) builds one small zip per function holding only its bundle, its chunks and the config', async () => {
    const { stdout } = await run('bash', ['infra/deploy/package.sh', 'ci'], { cwd: ROOT, env: baseEnv(), timeout: 180_000, maxBuffer: 16 * 1024 * 1024 });
    expect(stdout).toMatch(/\| function \| zip \|/);
    const functions = readServerlessFile(join(ROOT, 'serverless.yml'), 'ci')
      .functions.map((f) => f.name)
      .sort();
    const artifacts = listArtifacts(join(ROOT, '.serverless'));
    expect(artifacts.map((a) => a.function)).toEqual(functions);
    for (const a of artifacts) {
      // The bundle, its code-split chunks (custom.esbuild `splitting`, `chunkNames: handler.[name]-[hash]`:
      // what is imported dynamically, e.g. nodemailer), their source maps and the config; nothing of
      // another function.
      const names = a.entries.map((e) => e.name).sort();
      const own = (n: string) => n.startsWith(`functions/${a.function}/handler.`) && /\.mjs(\.map)?$/.test(n);
      expect(
        names.filter((n) => !own(n)),
        a.function,
      ).toEqual(['infra/config/s3od.ci.yml']);
      expect(names, a.function).toEqual(expect.arrayContaining([`functions/${a.function}/handler.mjs`, `functions/${a.function}/handler.mjs.map`]));
      for (const n of names.filter((x) => x.endsWith('.mjs'))) expect(names, a.function).toContain(`${n}.map`);
      expect(a.zipBytes, `${a.function}.zip`).toBeLessThan(MAX_ZIP_BYTES);
      const code = a.entries.filter((e) => e.name.endsWith('.mjs')).reduce((sum, e) => sum + e.bytes, 0);
      expect(code, `${a.function} code`).toBeLessThan(MAX_BUNDLE_BYTES);
    }
    // nodemailer only in the functions that mail, and there in a chunk of its own, not in the bundle
    // every cold start parses.
    const mailChunk = (fn: string) =>
      listArtifacts(join(ROOT, '.serverless'))
        .find((a) => a.function === fn)!
        .entries.some((e) => /\/handler\.nodemailer-\w+\.mjs$/.test(e.name));
    expect(['provision', 'lifecycle'].map(mailChunk)).toEqual([true, true]);

    // The CloudFormation template: per-function roles, secrets only as dynamic references.
    const template = JSON.parse(readFileSync(join(ROOT, '.serverless/cloudformation-template-update-stack.json'), 'utf8'));
    const lambdas = Object.entries(template.Resources as Record<string, any>).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    expect(lambdas).toHaveLength(functions.length);
    const roles = new Set(lambdas.map(([, r]) => r.Properties.Role['Fn::GetAtt'][0]));
    expect(roles.size).toBe(functions.length);
    expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
    for (const [id, r] of lambdas) {
      expect(r.Properties.Runtime, id).toMatch(/^nodejs(2[0-9])\.x$/);
      expect(r.Properties.Handler).toMatch(/^functions\/[a-z-]+\/handler\.handler$/);
      for (const [k, v] of Object.entries(r.Properties.Environment.Variables as Record<string, unknown>)) {
        // The rotation's old webhook token is empty unless a deploy passes its dynamic reference.
        if (k === 'S3OD_WEBHOOK_TOKEN_PREVIOUS') expect(v, `${id} ${k}`).toBe('');
        else if (/TOKEN|SECRET_KEY|ACCESS_KEY/.test(k)) expect(v, `${id} ${k}`).toMatch(/^\{\{resolve:secretsmanager:s3od\/ci:SecretString:\w+\}\}$/);
      }
    }
    const mappings = Object.values(template.Resources as Record<string, any>).filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(3);
    for (const m of mappings) expect(m.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(template.Resources.ReconcileEventsRuleSchedule1.Properties.ScheduleExpression).toBe('rate(15 minutes)');
    expect(template.Parameters.FacilityBucketArn.Default).toBe('arn:aws:s3:::facility');

    // The deployable form loads as Lambda loads it: an .mjs with no package.json beside it, the
    // config read from the zip, cwd = the task root. (HEAD probe, then an event for a key s3od ignores.)
    const task = mkdtempSync(join(tmpdir(), 's3od-task-'));
    try {
      // Every function's zip alone: its handler and every chunk (those loaded on demand too) link.
      for (const a of artifacts) {
        const only = join(task, `only-${a.function}`);
        extractZip(a.path, only);
        const files = a.entries.filter((e) => e.name.endsWith('.mjs')).map((e) => pathToFileURL(join(only, e.name)).href);
        const check = `
          const loaded = [];
          for (const f of ${JSON.stringify(files)}) { const m = await import(f); if (f.endsWith('/handler.mjs')) loaded.push(typeof m.handler); }
          console.log('LOADED ' + JSON.stringify(loaded));`;
        const { stdout } = await run(process.execPath, ['--input-type=module', '-e', check], { cwd: only, env: baseEnv(), timeout: 30_000 });
        expect(stdout, a.function).toMatch(/^LOADED \["function"\]$/m);
      }
      extractZip(join(ROOT, '.serverless/on-object-event.zip'), task);
      const script = `
        const { handler } = await import(${JSON.stringify(pathToFileURL(join(task, 'functions/on-object-event/handler.mjs')).href)});
        const head = await handler({ version: '2.0', requestContext: { http: { method: 'HEAD', sourceIp: '' } }, headers: {} }, {});
        const direct = await handler({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', eventTime: '2026-11-26T12:00:00Z', s3: { bucket: { name: 'facility' }, object: { key: 'elsewhere/x.txt', size: 1, eTag: 'e' } } }] }, {});
        console.log('RESULT ' + JSON.stringify({ head, direct }));`;
      const env = {
        ...baseEnv(),
        S3OD_CONFIG: 'infra/config/s3od.ci.yml',
        S3OD_PROVISION_QUEUE_URL: 'http://127.0.0.1:9/0/p',
        S3OD_IMPORT_QUEUE_URL: 'http://127.0.0.1:9/0/i',
        AWS_REGION: 'eu-central-1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      };
      const out = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: task, env, timeout: 30_000 });
      const result = JSON.parse(
        out.stdout
          .split('\n')
          .find((l) => l.startsWith('RESULT '))!
          .slice(7),
      );
      expect(result).toEqual({ head: { statusCode: 200, body: '' }, direct: { events: 1, provisionJobs: 0, importJobs: 0, dropped: 1 } });
    } finally {
      rmSync(task, { recursive: true, force: true });
    }
  });

  it("serverless invoke local (stage local): an RGW webhook through the HTTP route puts the provision job on the stack's queue", async () => {
    await drainQueue(sqs, info.queues.ProvisionQueue!);
    const sample = JSON.parse(readFileSync(join(ROOT, 'infra/deploy/events/http-rgw-put.json'), 'utf8'));
    const rgw = JSON.parse(sample.body);
    const env = {
      ...baseEnv(),
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      S3OD_SQS_ENDPOINT: info.sqsEndpoint,
      S3OD_PROVISION_QUEUE_URL: info.queues.ProvisionQueue!,
      S3OD_IMPORT_QUEUE_URL: info.queues.ImportQueue!,
      // RGW cannot send headers: the sample proves itself with the topic's OpaqueData.
      S3OD_WEBHOOK_TOKEN: rgw.Records[0].opaqueData,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const { stdout } = await run(
      'npx',
      ['serverless', 'invoke', 'local', '--stage', 'local', '-f', 'on-object-event', '-p', 'infra/deploy/events/http-rgw-put.json'],
      { cwd: ROOT, env, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 },
    );
    expect(stdout).toMatch(/"statusCode": 202/);
    const jobs = (await drainQueue(sqs, info.queues.ProvisionQueue!)) as ProvisionJob[];
    expect(jobs).toEqual([
      expect.objectContaining({
        type: 'provision',
        metadataFile: 'SPA.yml',
        etag: rgw.Records[0].s3.object.eTag,
        dataset: expect.objectContaining({ bucket: 'facility', prefix: 'datasets/Run 42' }),
      }),
    ]);
    // The function's EMF line came out with the log lines.
    expect(stdout).toMatch(/"msg":"metrics".*"Source":"http".*"ProvisionJobsEnqueued":1/);
  });
});
