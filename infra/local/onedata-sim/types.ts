/**
 * Public types of the Onedata simulator. Other packages code against these shapes, so fields are only
 * ever added, never renamed.
 */

/** Behaviour knobs; all of them can be changed while the simulator runs (`configure`, `POST /_sim/config`). */
export interface SimKnobs {
  /** How long every Onedata API call takes, in ms from the request's arrival (timer based, never a busy wait). @default 0 */
  latencyMs: number;
  /**
   * How long a Oneprovider does not yet see a new space support or membership change (and keeps seeing a
   * removed one), in ms. Fixed when the change is made: a later knob change does not affect it. @default 0
   */
  propagationDelayMs: number;
  /** Fraction (0..1) of API calls failed before they have any effect: half `503`, half a dropped connection. @default 0 */
  faultRate: number;
  /** Fraction (0..1) of API calls whose effect happens but whose response is lost (connection dropped). @default 0 */
  lostResponseRate: number;
  /** How long one storage-import scan runs, in ms. @default 200 */
  scanDurationMs: number;
  /** How long a transfer takes from `scheduled` to `completed`, in ms. @default 200 */
  transferDurationMs: number;
  /**
   * Calls aimed at by name: the next call matching a rule has its effect, then its answer is lost
   * (connection dropped, logged as fault `lostResponse`) — what a client sees when it or the
   * network dies between a create taking effect and its answer. Each rule is used up after
   * `times` matches. Setting the knob replaces the pending rules. @default []
   */
  dropAnswers: SimDropAnswerRule[];
}

/** One rule of the `dropAnswers` knob. */
export interface SimDropAnswerRule {
  /** HTTP method, e.g. `POST`. */
  method: string;
  /** Regular expression the whole request path must match, e.g. `/api/v3/onezone/groups/[^/]+/spaces`. */
  path: string;
  /** Text the raw request body must contain (e.g. the dataset's name), to aim at one dataset's call. */
  bodyContains?: string;
  /** How many matching calls lose their answer. @default 1 */
  times?: number;
}

/** One provider (Oneprovider + its Onepanel) of the simulated deployment. */
export interface SimProviderInfo {
  id: string;
  name: string;
  /** The domain the provider reports in its configuration (not resolvable; use `url`). */
  domain: string;
  /** Base URL of this provider's `/api/v3/oneprovider` and `/api/v3/onepanel`. */
  url: string;
  /** The first provider: its server also serves Onezone. */
  primary: boolean;
  /** Its storage for replicas (started with `replicaStorages`): POSIX, read-write, not imported, QoS parameter `replicas=true`. */
  replicaStorageId?: string;
}

export interface SimInfo {
  /** Base URL; `/api/v3/onezone`, and the primary provider's `/api/v3/oneprovider` and `/api/v3/onepanel`, live under it. */
  url: string;
  /** Access token of the service user (send as `X-Auth-Token` or `Authorization: Bearer`). */
  token: string;
  managerGroupId: string;
  userGroupId: string;
  serviceUserId: string;
  /** Provider ids; the first one is the primary provider served under `url`. */
  providerIds: string[];
  providers: SimProviderInfo[];
  /** Domain used in share public URLs: `https://<zoneDomain>/share/<shareId>`. */
  zoneDomain: string;
}

export type SimService = 'onezone' | 'oneprovider' | 'onepanel' | 'unknown';
export type SimFaultKind = 'serviceUnavailable' | 'temporaryFailure' | 'dropped' | 'lostResponse';

/** One Onedata API call as seen by the simulator. Never holds headers or token values. */
export interface SimRequestLogEntry {
  seq: number;
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  /** Parsed JSON body with secret-looking fields (tokens, keys, passwords) replaced by `[REDACTED]`. */
  body: unknown;
  /** HTTP status sent (or, for `lostResponse`, computed but never delivered); 0 for a dropped connection; null while running. */
  status: number | null;
  service: SimService;
  /** Provider that served a oneprovider/onepanel call. */
  providerId?: string;
  /** `error.id` of an error answer. */
  errorId?: string;
  /** Injected fault, if any. */
  fault?: SimFaultKind;
  startedAt: number;
  endedAt: number | null;
}

export interface RunningSim {
  url: string;
  info: SimInfo;
  configure(k: Partial<SimKnobs>): void;
  /** Same JSON as `GET /_sim/state`. */
  state(): unknown;
  /** Same as `GET /_sim/requests`. */
  requests(): SimRequestLogEntry[];
  /** Same as `POST /_sim/reset`: empties state and request log, re-seeds the same ids and token. Knobs are kept. */
  reset(): void;
  /** Same as `POST /_sim/propagate`: every pending Onezone → Oneprovider propagation completes now. */
  propagate(): void;
  /** Current knob values. */
  knobs(): SimKnobs;
  close(): Promise<void>;
}

export interface StartOptions extends Partial<SimKnobs> {
  /** Port of the primary server (Onezone + first provider); 0 = random free port. @default 0 */
  port?: number;
  /** Number of providers; each extra provider listens on its own random port. @default 1 */
  providers?: number;
  /** Use this string as the admin access token instead of a generated one. */
  token?: string;
  /** Domain reported by Onezone and used in share URLs. @default 'onezone.sim.localhost' */
  zoneDomain?: string;
  /** Give every provider a storage for replicas (listed in `info.providers[i].replicaStorageId`). @default false */
  replicaStorages?: boolean;
}
