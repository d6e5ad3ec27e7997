import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { CORE_SCHEMA, defineScalarTag, defineSequenceTag, load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { readServerlessFile } from '../../../infra/local/runner/serverless-file.ts';
import { elasticmqConfig } from '../../../infra/openfaas/elasticmq-config.ts';
import { DEFAULT_MAPPINGS } from '../../../infra/openfaas/queue-worker.ts';

/**
 * Static checks of the deployment descriptions (no network, no osls): serverless.yml's queues,
 * triggers and per-function IAM roles; the IAM scope derived from the config; the OpenFaaS files
 * agreeing with serverless.yml. The packaged CloudFormation template is checked in
 * tests/integration/deploy-aws.test.ts.
 */
const ROOT = join(import.meta.dirname, '../../..');
const tag = (t: string, key: string, seq = false) =>
  seq
    ? defineSequenceTag<unknown[], Record<string, unknown[]>>(t, {
        create: () => [],
        addItem: (c, i) => void c.push(i),
        finalize: (c) => ({ [key]: c }),
        identify: () => false,
      })
    : defineScalarTag(t, { resolve: (s: string) => ({ [key]: key === 'Fn::GetAtt' ? s.split('.') : s }), identify: () => false });
const CFN = CORE_SCHEMA.withTags(
  tag('!Ref', 'Ref'),
  tag('!GetAtt', 'Fn::GetAtt'),
  tag('!Join', 'Fn::Join', true),
  tag('!If', 'Fn::If', true),
  tag('!Sub', 'Fn::Sub'),
  tag('!Equals', 'Fn::Equals', true),
);
const raw = load(readFileSync(join(ROOT, 'serverless.yml'), 'utf8'), { schema: CFN }) as Record<string, any>;
const def = readServerlessFile(join(ROOT, 'serverless.yml'), 'prod');
const resources = raw.resources.Resources as Record<string, any>;
const statements = (role: string): any[] => resources[role].Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
const actions = (role: string): string[] => statements(role).flatMap((s) => [s.Action].flat());

describe('serverless.yml', () => {
  it('has every SQS-triggered function report batch item failures, with a DLQ and a visibility timeout ≥ 6 × timeout + batching window', () => {
    const sqsFns = def.functions.filter((f) => f.triggers.some((t) => t.type === 'sqs'));
    expect(sqsFns.map((f) => f.name).sort()).toEqual(['import', 'on-object-event', 'provision']);
    for (const f of sqsFns) {
      for (const t of f.triggers) {
        if (t.type !== 'sqs') continue;
        expect(t.reportBatchItemFailures, f.name).toBe(true);
        const q = def.queues.find((x) => x.logicalId === t.queueLogicalId)!;
        const window = Number(raw.functions[f.name].events.find((e: any) => e.sqs).sqs.maximumBatchingWindow ?? 0);
        expect(q.visibilityTimeout, `${q.name} visibility`).toBeGreaterThanOrEqual(6 * f.timeoutSeconds + window);
        expect(q.redrive, `${q.name} redrive`).toBeDefined();
        expect(def.queues.find((x) => x.logicalId === q.redrive!.deadLetterLogicalId)?.redrive).toBeUndefined();
        // Lambda rejects a mapping whose queue hides messages for less than the function may run.
        expect(q.visibilityTimeout!).toBeGreaterThanOrEqual(f.timeoutSeconds);
      }
    }
    expect(def.functions.find((f) => f.name === 'reconcile')?.triggers).toEqual([{ type: 'schedule', rate: 'rate(15 minutes)' }]);
    expect(def.functions.find((f) => f.name === 'lifecycle')?.triggers).toEqual([{ type: 'schedule', rate: 'rate(1 hour)' }]);
  });

  it("keeps the provision queue's maxReceiveCount equal to provisioning.maxAttempts (default 5)", () => {
    expect(def.queues.find((q) => q.logicalId === 'ProvisionQueue')?.redrive?.maxReceiveCount).toBe(5);
  });

  it('gives every function its own IAM role, limited to its own log group', () => {
    const roles = Object.entries(raw.functions as Record<string, any>).map(([name, f]) => [name, f.role as string]);
    expect(new Set(roles.map(([, r]) => r)).size).toBe(roles.length);
    for (const [name, role] of roles) {
      expect(resources[role!]?.Type, `${name} → ${role}`).toBe('AWS::IAM::Role');
      const logs = statements(role!).filter((s) => [s.Action].flat().some((a: string) => a.startsWith('logs:')));
      expect(logs).toHaveLength(1);
      expect(JSON.stringify(logs[0].Resource)).toContain(`:log-group:/aws/lambda/\${self:service}-\${sls:stage}-${name}:*`);
    }
    expect(raw.provider.iam).toBeUndefined();
  });

  it('grants least privilege: no wildcards, no deletes, S3 objects only through the config-derived ARNs', () => {
    const all = Object.keys(resources).filter((k) => resources[k].Type === 'AWS::IAM::Role');
    for (const role of all) {
      for (const s of statements(role)) {
        // The one Deny: the lifecycle's delete never reaches s3od's records (a watched "/" would cover them).
        if (role === 'LifecycleRole' && s.Sid === 'KeepRecords') {
          expect(s).toMatchObject({ Effect: 'Deny', Action: 's3:DeleteObject', Resource: { Ref: 'StateObjectArns' } });
          continue;
        }
        expect(s.Effect).toBe('Allow');
        expect(JSON.stringify(s.Resource)).not.toMatch(/"\*"/);
        for (const a of [s.Action].flat() as string[]) {
          // The one delete: expired data leaves the facility bucket (removeFromFilesystem), lifecycle only.
          if (role === 'LifecycleRole' && s.Sid === 'RemoveExpiredDataFromFacility' && a === 's3:DeleteObject') {
            // Inside the watched directories' dataset folders only, not the whole bucket.
            expect(s.Resource).toEqual({ Ref: 'DataObjectArns' });
            continue;
          }
          expect(a, role).not.toMatch(/\*|Delete(?!Message)|PutBucket|PutObjectAcl/);
        }
      }
    }
    expect(actions('OnObjectEventRole').filter((a) => a.startsWith('s3:'))).toEqual([]);
    expect(actions('ImportRole')).toContain('s3:PutObject');
    const put = (role: string) =>
      statements(role)
        .filter((s) => [s.Action].flat().includes('s3:PutObject'))
        .map((s) => s.Resource);
    expect(put('ImportRole')).toEqual([{ Ref: 'StateObjectArns' }]);
    // Reconcile writes records only (its re-queue counts), never a metadata file or a status object.
    expect(put('ReconcileRole')).toEqual([{ Ref: 'StateObjectArns' }]);
    expect(put('ProvisionRole')).toEqual([{ Ref: 'ProvisionObjectArns' }]);
    expect(statements('ProvisionRole').find((s) => s.Sid === 'ConsumeProvisionJobs').Action).toContain('sqs:ChangeMessageVisibility');
  });

  it('lets every function send to each queue its code sends to (sendJobs or SendMessage to rt.queueUrls.<queue>; both through ingestEvents)', () => {
    // Guards the SendMessage statements against the code: reconcile re-queues stalled listings on
    // the import queue, and an AccessDenied there failed its whole pass (no provision re-queue sent).
    const queueArn: Record<string, string> = { provision: 'ProvisionQueue', import: 'ImportQueue' };
    for (const [fn, f] of Object.entries(raw.functions as Record<string, any>)) {
      const dir = join(ROOT, 'functions', fn);
      const src = readdirSync(dir)
        .filter((n) => n.endsWith('.ts'))
        .map((n) => readFileSync(join(dir, n), 'utf8'))
        .join('\n');
      const sendsTo = /(?:sendJobs\([^,]+,\s*|SendMessage(?:Batch)?Command\(\{\s*QueueUrl:\s*)rt\.queueUrls\.(provision|import)\b/g;
      const sends = new Set([...src.matchAll(sendsTo)].map((m) => m[1]!));
      if (src.includes('ingestEvents(')) ['provision', 'import'].forEach((q) => sends.add(q));
      const allowed = statements(f.role)
        .filter((st) => [st.Action].flat().includes('sqs:SendMessage'))
        .flatMap((st) => [st.Resource].flat())
        .map((r: any) => r['Fn::GetAtt']?.[0]);
      for (const q of sends) expect(allowed, `${fn} sends to the ${q} queue`).toContain(queueArn[q]);
    }
  });

  it('lets only S3, for the facility bucket and its owner account, send to the Events queue', () => {
    const st = resources.EventsQueuePolicy.Properties.PolicyDocument.Statement;
    expect(st).toEqual([
      expect.objectContaining({
        Principal: { Service: 's3.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Condition: { ArnEquals: { 'aws:SourceArn': { Ref: 'FacilityBucketArn' } }, StringEquals: { 'aws:SourceAccount': expect.anything() } },
      }),
    ]);
  });

  it('takes secrets on AWS stages only from Secrets Manager dynamic references, and never from the package', () => {
    const aws = raw.custom.envByStage.aws as Record<string, unknown>;
    for (const k of ['webhookToken', 'onezoneToken', 'oneproviderToken', 'storageAccessKey', 'storageSecretKey', 'smtpPassword', 'daregToken']) {
      expect(aws[k]).toBe(`{{resolve:secretsmanager:\${self:custom.secretId}:SecretString:${k}}}`);
    }
    // Each function gets only the secrets it uses.
    const secretVars = (fn: string) =>
      Object.keys(raw.functions[fn].environment)
        .filter((k) => /TOKEN|SECRET_KEY|ACCESS_KEY|PASSWORD/.test(k))
        .sort();
    expect(secretVars('on-object-event')).toEqual(['S3OD_WEBHOOK_TOKEN', 'S3OD_WEBHOOK_TOKEN_PREVIOUS']);
    // The rotation's old token: a parameter holding a dynamic reference, empty by default.
    expect(aws.webhookTokenPrevious).toBe("${param:webhookTokenPrevious, ''}");
    expect(secretVars('provision')).toEqual([
      'S3OD_DAREG_TOKEN',
      'S3OD_ONEPROVIDER_TOKEN',
      'S3OD_ONEZONE_TOKEN',
      'S3OD_SMTP_PASSWORD',
      'S3OD_STORAGE_ACCESS_KEY',
      'S3OD_STORAGE_SECRET_KEY',
    ]);
    expect(secretVars('import')).toEqual(['S3OD_ONEPROVIDER_TOKEN', 'S3OD_ONEZONE_TOKEN']);
    expect(secretVars('reconcile')).toEqual([]);
    expect(secretVars('lifecycle')).toEqual(['S3OD_DAREG_TOKEN', 'S3OD_ONEPROVIDER_TOKEN', 'S3OD_ONEZONE_TOKEN', 'S3OD_SMTP_PASSWORD']);
  });
});

describe('infra/deploy/iam-scope.cjs', () => {
  const { scopeFromConfig } = createRequire(import.meta.url)('../../../infra/deploy/iam-scope.cjs') as {
    scopeFromConfig: (doc: unknown) => Record<string, string>;
  };

  it('derives the object ARNs s3od reads and writes from the watched directories and file names', () => {
    const s = scopeFromConfig({
      bucket: 'facility',
      watchedDirectories: ['cryoem/krios[12]', '/', 'runs/20*/'],
      metadataFiles: ['SPA.yml', 'meta.yaml'],
      fs2odMetadataFile: { enabled: true },
    });
    expect(s.bucketArn).toBe('arn:aws:s3:::facility');
    expect(s.stateObjects).toBe('arn:aws:s3:::facility/.s3od/*');
    expect(s.readObjects!.split(',')).toEqual([
      'arn:aws:s3:::facility/.s3od/*',
      'arn:aws:s3:::facility/cryoem/krios?/*/SPA.yml',
      'arn:aws:s3:::facility/*/SPA.yml',
      'arn:aws:s3:::facility/runs/20*/*/SPA.yml',
      'arn:aws:s3:::facility/cryoem/krios?/*/meta.yaml',
      'arn:aws:s3:::facility/*/meta.yaml',
      'arn:aws:s3:::facility/runs/20*/*/meta.yaml',
    ]);
    const prov = s.provisionObjects!.split(',');
    expect(prov).toContain('arn:aws:s3:::facility/cryoem/krios?/*/.s3od-status.yml');
    expect(prov).toContain('arn:aws:s3:::facility/runs/20*/*/.fs2od');
    expect(s.dataObjects!.split(',')).toEqual(['arn:aws:s3:::facility/cryoem/krios?/*/*', 'arn:aws:s3:::facility/*/*', 'arn:aws:s3:::facility/runs/20*/*/*']);
    expect(scopeFromConfig({ bucket: 'facility', watchedDirectories: ['d'] }).provisionObjects!.split(',')).toEqual([
      'arn:aws:s3:::facility/.s3od/*',
      'arn:aws:s3:::facility/d/*/SPA.yml',
      'arn:aws:s3:::facility/d/*/.s3od-status.yml',
    ]);
  });

  it('refuses a config it cannot derive a policy from', () => {
    expect(() => scopeFromConfig({ watchedDirectories: ['d'] })).toThrow(/bucket/);
    expect(() => scopeFromConfig({ bucket: 'facility' })).toThrow(/watchedDirectories/);
    expect(() => scopeFromConfig({ bucket: 'facility', watchedDirectories: ['a,b'] })).toThrow(/","/);
  });
});

describe('OpenFaaS files agree with serverless.yml', () => {
  const stack = load(readFileSync(join(ROOT, 'infra/openfaas/stack.yml'), 'utf8')) as { functions: Record<string, any> };

  it('deploys the same functions with the same timeouts', () => {
    expect(Object.keys(stack.functions).sort()).toEqual(def.functions.map((f) => f.name).sort());
    for (const f of def.functions) {
      const env = stack.functions[f.name].environment;
      expect(env.exec_timeout, f.name).toBe(`${f.timeoutSeconds}s`);
      expect(stack.functions[f.name].lang).toBe('node20');
      expect(stack.functions[f.name].secrets).toContain('s3od-config');
    }
  });

  it("has the queue worker use serverless.yml's batch sizes, concurrency and timeouts", () => {
    for (const name of ['provision', 'import'] as const) {
      const f = def.functions.find((x) => x.name === name)!;
      const sqs = raw.functions[name].events.find((e: any) => e.sqs).sqs;
      expect(DEFAULT_MAPPINGS[name]).toEqual({ batchSize: sqs.batchSize, concurrency: sqs.maximumConcurrency, timeoutSeconds: f.timeoutSeconds });
    }
  });

  it('renders the ElasticMQ queues (names, visibility, DLQ, maxReceiveCount) from serverless.yml', () => {
    const conf = elasticmqConfig(def.queues);
    expect(conf).toContain(
      '"s3od-prod-provision" {\n    defaultVisibilityTimeout = 1080 seconds\n    deadLettersQueue { name = "s3od-prod-provision-dlq", maxReceiveCount = 5 }',
    );
    expect(conf).toContain('"s3od-prod-import-dlq" { }');
  });
});
