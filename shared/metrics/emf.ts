/**
 * CloudWatch Embedded Metric Format (EMF): a JSON log line that CloudWatch Logs turns into metrics
 * when it reaches a Lambda function's log group. Elsewhere (OpenFaaS, the local stack) the same
 * line is an ordinary structured log line, from which Loki / Vector / Fluent Bit can derive the
 * same metrics.
 *
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 * The limits checked here are the specification's: at most 100 metrics per directive, 30
 * dimensions per dimension set, dimension values non-empty strings up to 1024 characters,
 * metric values finite numbers.
 */

export type MetricUnit = 'Count' | 'Milliseconds' | 'Seconds' | 'Bytes' | 'None';

export interface MetricValue {
  value: number;
  unit: MetricUnit;
}

export interface EmfDirective {
  Namespace: string;
  Dimensions: string[][];
  Metrics: { Name: string; Unit: MetricUnit }[];
}

/** The root object of an EMF line: `_aws` metadata, dimension values, metric values, properties. */
export interface EmfDocument {
  _aws: { Timestamp: number; CloudWatchMetrics: EmfDirective[] };
  [member: string]: unknown;
}

export interface EmfInput {
  namespace: string;
  /** Dimension name → value (also written as root members, as EMF requires). */
  dimensions: Record<string, string>;
  /** Which combinations of `dimensions` each metric is published under; default: all of them together. */
  dimensionSets?: string[][];
  metrics: Record<string, MetricValue>;
  /** Extra root members that are not metrics (searchable in the logs, e.g. the dataset). */
  properties?: Record<string, unknown>;
  timestamp?: number;
}

export const EMF_LIMITS = { metricsPerDirective: 100, dimensionsPerSet: 30, dimensionValueLength: 1024, nameLength: 255 } as const;

/** Members the log line itself uses (shared/log); a metric or dimension must not overwrite them. */
export const RESERVED_MEMBERS = new Set(['_aws', 'time', 'level', 'msg', 'app', 'fn']);

export class EmfError extends Error {
  override name = 'EmfError';
}

const NAME = /^[A-Za-z][A-Za-z0-9_.-]*$/;

/** Builds an EMF document, or throws EmfError for anything CloudWatch would reject or drop. */
export function emfDocument(input: EmfInput): EmfDocument {
  const { namespace, dimensions, metrics } = input;
  if (!namespace || namespace.length > EMF_LIMITS.nameLength) throw new EmfError('the namespace must be 1-255 characters');
  const metricNames = Object.keys(metrics);
  if (metricNames.length === 0) throw new EmfError('at least one metric is required');
  if (metricNames.length > EMF_LIMITS.metricsPerDirective) throw new EmfError(`at most ${EMF_LIMITS.metricsPerDirective} metrics per line`);
  const check = (kind: string, name: string): void => {
    if (!NAME.test(name) || name.length > EMF_LIMITS.nameLength) throw new EmfError(`${kind} name ${JSON.stringify(name)} is not a plain identifier`);
    if (RESERVED_MEMBERS.has(name)) throw new EmfError(`${kind} name ${JSON.stringify(name)} is reserved by the log line`);
  };
  for (const [name, v] of Object.entries(dimensions)) {
    check('dimension', name);
    if (typeof v !== 'string' || v.length === 0 || v.length > EMF_LIMITS.dimensionValueLength) {
      throw new EmfError(`dimension ${name} must be a non-empty string of at most ${EMF_LIMITS.dimensionValueLength} characters`);
    }
  }
  for (const [name, m] of Object.entries(metrics)) {
    check('metric', name);
    if (name in dimensions) throw new EmfError(`${name} is both a metric and a dimension`);
    if (typeof m.value !== 'number' || !Number.isFinite(m.value)) throw new EmfError(`metric ${name} must be a finite number`);
  }
  const sets = input.dimensionSets ?? [Object.keys(dimensions)];
  for (const set of sets) {
    if (set.length > EMF_LIMITS.dimensionsPerSet) throw new EmfError(`at most ${EMF_LIMITS.dimensionsPerSet} dimensions per set`);
    for (const d of set) if (!(d in dimensions)) throw new EmfError(`dimension set names ${d}, which has no value`);
  }
  const props = input.properties ?? {};
  for (const k of Object.keys(props)) {
    if (k in metrics || k in dimensions || k === '_aws') throw new EmfError(`property ${k} collides with a metric or dimension`);
  }
  const doc: EmfDocument = {
    _aws: {
      Timestamp: Math.round(input.timestamp ?? Date.now()),
      CloudWatchMetrics: [{ Namespace: namespace, Dimensions: sets, Metrics: metricNames.map((Name) => ({ Name, Unit: metrics[Name]!.unit })) }],
    },
  };
  Object.assign(doc, props, dimensions);
  for (const name of metricNames) doc[name] = metrics[name]!.value;
  return doc;
}

export const count = (value = 1): MetricValue => ({ value, unit: 'Count' });
export const milliseconds = (value: number): MetricValue => ({ value: Math.max(0, Math.round(value)), unit: 'Milliseconds' });
