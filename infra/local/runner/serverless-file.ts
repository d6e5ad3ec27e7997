import { readFileSync } from 'node:fs';
import { load as parseYaml, CORE_SCHEMA, defineScalarTag, defineSequenceTag } from 'js-yaml';

/**
 * Reads serverless.yml the way the local runner needs it: functions (handler, timeout, triggers),
 * SQS queues with their redrive policies, and provider.environment. CloudFormation short-form
 * tags (!Ref, !GetAtt, !Sub, ...) are kept as `{ Ref }` / `{ 'Fn::GetAtt' }` objects, and the few
 * Serverless variables this project uses (${self:service}, ${sls:stage}, ${opt:…, 'default'}) are
 * resolved for the local stage. Anything else is reported, never silently guessed.
 */
export interface QueueDef {
  logicalId: string;
  name: string;
  visibilityTimeout?: number;
  redrive?: { deadLetterLogicalId: string; maxReceiveCount: number };
}

export type TriggerDef =
  | { type: 'http'; method: string; path: string }
  | { type: 'sqs'; queueLogicalId: string; batchSize: number; reportBatchItemFailures: boolean }
  | { type: 'schedule'; rate: string };

export interface FunctionDef {
  name: string;
  /** Module path relative to the project root, without extension, e.g. functions/provision/handler */
  module: string;
  exportName: string;
  timeoutSeconds: number;
  triggers: TriggerDef[];
}

export interface ServerlessDefinition {
  service: string;
  stage: string;
  functions: FunctionDef[];
  queues: QueueDef[];
  /** provider.environment; CloudFormation references left as objects for the caller to resolve. */
  environment: Record<string, unknown>;
}

const scalarTag = (tag: string, key: string, split = false) =>
  defineScalarTag(tag, {
    resolve: (source: string) => ({ [key]: split ? source.split('.') : source }),
    identify: () => false,
  });
const sequenceTag = (tag: string, key: string) =>
  defineSequenceTag<unknown[], Record<string, unknown[]>>(tag, {
    create: () => [],
    addItem: (carrier, item) => {
      carrier.push(item);
    },
    finalize: (carrier) => ({ [key]: carrier }),
    identify: () => false,
  });

const CFN_SCHEMA = CORE_SCHEMA.withTags(
  scalarTag('!Ref', 'Ref'),
  scalarTag('!GetAtt', 'Fn::GetAtt', true),
  sequenceTag('!GetAtt', 'Fn::GetAtt'),
  scalarTag('!Sub', 'Fn::Sub'),
  sequenceTag('!Sub', 'Fn::Sub'),
  sequenceTag('!Join', 'Fn::Join'),
  sequenceTag('!If', 'Fn::If'),
  sequenceTag('!Equals', 'Fn::Equals'),
);

/* eslint-disable @typescript-eslint/no-explicit-any -- serverless.yml is an untyped document, read field by field */
export function readServerlessFile(path: string, stage = 'local'): ServerlessDefinition {
  const doc = parseYaml(readFileSync(path, 'utf8'), { schema: CFN_SCHEMA }) as Record<string, any>;
  const service = String(doc.service);
  const resolve = (v: unknown): unknown => {
    if (typeof v === 'string') return resolveVariables(v, { service, stage });
    if (Array.isArray(v)) return v.map(resolve);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
    return v;
  };
  const resources = (resolve(doc.resources?.Resources ?? {}) as Record<string, any>) ?? {};
  const queues: QueueDef[] = Object.entries(resources)
    .filter(([, r]) => r?.Type === 'AWS::SQS::Queue')
    .map(([logicalId, r]) => {
      const props = r.Properties ?? {};
      const q: QueueDef = { logicalId, name: String(props.QueueName ?? logicalId) };
      if (props.VisibilityTimeout !== undefined) q.visibilityTimeout = Number(props.VisibilityTimeout);
      const rp = props.RedrivePolicy;
      if (rp) q.redrive = { deadLetterLogicalId: getAttTarget(rp.deadLetterTargetArn), maxReceiveCount: Number(rp.maxReceiveCount) };
      return q;
    });
  const functions: FunctionDef[] = Object.entries((doc.functions ?? {}) as Record<string, any>).map(([name, f]) => {
    const handler = String(f.handler);
    const dot = handler.lastIndexOf('.');
    const triggers: TriggerDef[] = [];
    for (const ev of (resolve(f.events ?? []) as Record<string, any>[]) ?? []) {
      if (ev.httpApi) triggers.push({ type: 'http', method: String(ev.httpApi.method ?? 'POST').toUpperCase(), path: String(ev.httpApi.path) });
      else if (ev.sqs) {
        triggers.push({
          type: 'sqs',
          queueLogicalId: getAttTarget(ev.sqs.arn),
          batchSize: Number(ev.sqs.batchSize ?? 10),
          reportBatchItemFailures: ev.sqs.functionResponseType === 'ReportBatchItemFailures',
        });
      } else if (ev.schedule) triggers.push({ type: 'schedule', rate: String(ev.schedule.rate ?? ev.schedule) });
    }
    return {
      name,
      module: handler.slice(0, dot),
      exportName: handler.slice(dot + 1),
      timeoutSeconds: Number(f.timeout ?? doc.provider?.timeout ?? 6),
      triggers,
    };
  });
  return { service, stage, functions, queues, environment: (resolve(doc.provider?.environment ?? {}) as Record<string, unknown>) ?? {} };
}

function getAttTarget(v: unknown): string {
  const att = (v as { 'Fn::GetAtt'?: string[] })?.['Fn::GetAtt'];
  if (Array.isArray(att) && att[1] === 'Arn') return att[0]!;
  throw new Error(`serverless.yml: expected !GetAtt <Queue>.Arn, got ${JSON.stringify(v)}`);
}

function resolveVariables(s: string, ctx: { service: string; stage: string }): string {
  return s.replace(/\$\{([^}]+)\}/g, (whole, expr: string) => {
    const [first, ...rest] = expr.split(',').map((x) => x.trim());
    if (first === 'self:service') return ctx.service;
    if (first === 'sls:stage' || first === 'opt:stage') return ctx.stage;
    if (first?.startsWith('opt:') && rest.length) return rest.join(',').replace(/^['"]|['"]$/g, '');
    throw new Error(`serverless.yml: the local runner cannot resolve ${whole}`);
  });
}
