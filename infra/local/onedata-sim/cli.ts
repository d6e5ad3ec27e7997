/** Command-line and environment parsing of the simulator options (used by `main.ts`). */
import type { StartOptions } from './types.ts';

interface OptionSpec {
  flag: string;
  env: string;
  key: keyof StartOptions;
  kind: 'number' | 'string' | 'json' | 'boolean';
}

const OPTIONS: OptionSpec[] = [
  { flag: '--port', env: 'ONEDATA_SIM_PORT', key: 'port', kind: 'number' },
  { flag: '--latency-ms', env: 'ONEDATA_SIM_LATENCY_MS', key: 'latencyMs', kind: 'number' },
  { flag: '--propagation-delay-ms', env: 'ONEDATA_SIM_PROPAGATION_DELAY_MS', key: 'propagationDelayMs', kind: 'number' },
  { flag: '--fault-rate', env: 'ONEDATA_SIM_FAULT_RATE', key: 'faultRate', kind: 'number' },
  { flag: '--lost-response-rate', env: 'ONEDATA_SIM_LOST_RESPONSE_RATE', key: 'lostResponseRate', kind: 'number' },
  { flag: '--scan-duration-ms', env: 'ONEDATA_SIM_SCAN_DURATION_MS', key: 'scanDurationMs', kind: 'number' },
  { flag: '--transfer-duration-ms', env: 'ONEDATA_SIM_TRANSFER_DURATION_MS', key: 'transferDurationMs', kind: 'number' },
  { flag: '--providers', env: 'ONEDATA_SIM_PROVIDERS', key: 'providers', kind: 'number' },
  { flag: '--token', env: 'ONEDATA_SIM_TOKEN', key: 'token', kind: 'string' },
  { flag: '--zone-domain', env: 'ONEDATA_SIM_ZONE_DOMAIN', key: 'zoneDomain', kind: 'string' },
  { flag: '--replica-storages', env: 'ONEDATA_SIM_REPLICA_STORAGES', key: 'replicaStorages', kind: 'boolean' },
  // A JSON list of {method, path, bodyContains?, times?}: see SimKnobs.dropAnswers.
  { flag: '--drop-answers', env: 'ONEDATA_SIM_DROP_ANSWERS', key: 'dropAnswers', kind: 'json' },
];

/** The CLI's default latency differs from the library default (0) so that local runs look realistic. */
const CLI_DEFAULTS: StartOptions = { latencyMs: 25 };

/** Options from `ONEDATA_SIM_*` variables, overridden by command-line flags (`--flag value` or `--flag=value`). */
export function parseCli(argv: string[], env: NodeJS.ProcessEnv): StartOptions {
  const values = new Map<string, string>();
  for (const spec of OPTIONS) {
    const fromEnv = env[spec.env];
    if (fromEnv !== undefined && fromEnv !== '') values.set(spec.flag, fromEnv);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (!OPTIONS.some((o) => o.flag === flag)) throw new Error(`unknown option ${arg}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`option ${flag} needs a value`);
    values.set(flag, value);
  }
  const opts: Record<string, unknown> = { ...CLI_DEFAULTS };
  for (const spec of OPTIONS) {
    const raw = values.get(spec.flag);
    if (raw === undefined) continue;
    if (spec.kind === 'string') opts[spec.key] = raw;
    else if (spec.kind === 'boolean') {
      if (raw !== 'true' && raw !== 'false') throw new Error(`option ${spec.flag} must be true or false, got "${raw}"`);
      opts[spec.key] = raw === 'true';
    } else if (spec.kind === 'json') {
      try {
        opts[spec.key] = JSON.parse(raw);
      } catch {
        throw new Error(`option ${spec.flag} must be JSON, got "${raw}"`);
      }
    } else {
      const n = Number(raw);
      if (!Number.isFinite(n)) throw new Error(`option ${spec.flag} must be a number, got "${raw}"`);
      opts[spec.key] = n;
    }
  }
  return opts as StartOptions;
}
