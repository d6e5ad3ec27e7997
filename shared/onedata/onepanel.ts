import { OnedataError, OnedataValidationError, hasErrorId, idForStatus, parseErrorEnvelope, type ParsedErrorEnvelope } from './errors.ts';
import { createdId, urlPath, type ServiceHttp } from './http.ts';
import { storageCreateBody, validateStorageSpec } from './storage-spec.ts';
import type {
  AutoStorageImportInfo,
  OnepanelConfiguration,
  SpaceSupportDetails,
  StorageDetails,
  StorageSpec,
  SupportSpaceRequest,
  UpdateSpaceSupportRequest,
  CreateOptions,
} from './types.ts';

type StorageResults = Record<string, { id?: string; error?: ParsedErrorEnvelope }>;

function idsOf(data: unknown): string[] {
  const v = data && typeof data === 'object' ? (data as { ids?: unknown }).ids : undefined;
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * Reads the body of `POST /provider/storages`: a map by storage name of `{id}` or `{error}`.
 * Returns undefined when the body is instead the usual error envelope (its `error` has a
 * `description`, which a per-storage entry never has).
 */
function storageResults(data: unknown): StorageResults | undefined {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return undefined;
  const envelope = parseErrorEnvelope(data);
  if (envelope && envelope.description !== '') return undefined;
  const out: StorageResults = {};
  for (const [name, entry] of Object.entries(data as Record<string, unknown>)) {
    if (!entry || typeof entry !== 'object') continue;
    const e = entry as { id?: unknown; error?: unknown };
    const error = parseErrorEnvelope(entry);
    out[name] = { ...(typeof e.id === 'string' ? { id: e.id } : {}), ...(error ? { error } : {}) };
  }
  return out;
}

/** Onepanel of the Oneprovider (`/api/v3/onepanel`): storages, space support, storage import. */
export class OnepanelApi {
  readonly #http: ServiceHttp;

  constructor(http: ServiceHttp) {
    this.#http = http;
  }

  /** `GET /configuration` (public): version, providerId, zoneDomain, isRegistered. */
  async getConfiguration(): Promise<OnepanelConfiguration> {
    return (await this.#http.request<OnepanelConfiguration>({ method: 'GET', path: '/configuration', auth: false })).data;
  }

  // -- storages ---------------------------------------------------------------------------------

  /**
   * `POST /provider/storages` with `{ "<name>": {type, ...} }` → the storage id. The spec is
   * validated locally first (`InvalidStorageSpecError`). Onepanel answers a failed storage with
   * `400` and a per-storage map; that becomes an `OnedataError` carrying the storage's own error
   * id (e.g. `storageTestFailed`) and the whole map in `storageErrors`. Names are not unique, so a
   * retried create can leave a duplicate storage: reconcile by listing.
   */
  async createStorage(spec: StorageSpec, opts: CreateOptions = {}): Promise<string> {
    validateStorageSpec(spec);
    const path = '/provider/storages';
    const secrets = spec.type === 's3' ? [spec.secretKey, spec.accessKey].filter((s): s is string => !!s) : [];
    const res = await this.#http.request({ method: 'POST', path, body: storageCreateBody(spec), secrets, acceptStatuses: [400], retry: opts.retry ?? true });
    const results = storageResults(res.data);
    const entries = results ? Object.entries(results) : [];
    // Onepanel may echo the storage under another key; with a single entry, take it.
    const mine = results?.[spec.name] ?? (entries.length === 1 ? entries[0]![1] : undefined);
    if (res.status === 400 || !mine?.id) {
      const envelope = results ? undefined : parseErrorEnvelope(res.data);
      const failure = mine?.error ?? entries.find(([, e]) => e.error)?.[1].error ?? envelope;
      throw new OnedataError({
        service: 'onepanel',
        method: 'POST',
        path,
        status: res.status,
        id: failure?.id ?? (res.status === 400 ? idForStatus(400) : 'unexpectedResponse'),
        description: failure?.description ?? `storage "${spec.name}" was not created and no error was given`,
        ...(failure?.details ? { details: failure.details } : {}),
        ...(failure?.wrapper ? { wrapper: failure.wrapper } : {}),
        ...(results ? { storageErrors: results } : {}),
        secrets,
      });
    }
    return mine.id;
  }

  /** `GET /provider/storages/{id}` (secrets censored by the server). */
  async getStorage(storageId: string): Promise<StorageDetails> {
    return (await this.#http.request<StorageDetails>({ method: 'GET', path: urlPath`/provider/storages/${storageId}` })).data;
  }

  /** `GET /provider/storages` → ids. */
  async listStorages(): Promise<string[]> {
    return idsOf((await this.#http.request({ method: 'GET', path: '/provider/storages' })).data);
  }

  /** `DELETE /provider/storages/{id}`. A storage that still supports a space fails with `400 storageInUse`. */
  async deleteStorage(storageId: string): Promise<void> {
    await this.#http.request({ method: 'DELETE', path: urlPath`/provider/storages/${storageId}` });
  }

  // -- space support ----------------------------------------------------------------------------

  /**
   * `POST /provider/spaces` → the supported space id. Not atomic: the support is granted in
   * Onezone before import is configured, so on an import-configuration error the space may
   * already be supported (check `listSupportedSpaces` before retrying). A second support of the
   * same space fails with `409 relationAlreadyExists`.
   */
  async supportSpace(req: SupportSpaceRequest): Promise<string> {
    if (!Number.isSafeInteger(req.size) || req.size < 0) {
      throw new OnedataValidationError('badValueInteger', `support size must be a non-negative integer number of bytes, got ${req.size}`, 'size');
    }
    const path = '/provider/spaces';
    const body: Record<string, unknown> = { token: req.token, size: req.size, storageId: req.storageId };
    if (req.storageImport !== undefined) body['storageImport'] = req.storageImport;
    if (req.accountingEnabled !== undefined) body['accountingEnabled'] = req.accountingEnabled;
    if (req.dirStatsServiceEnabled !== undefined) body['dirStatsServiceEnabled'] = req.dirStatsServiceEnabled;
    const res = await this.#http.request({ method: 'POST', path, body, secrets: [req.token] });
    return createdId('onepanel', 'POST', path, res, 'id');
  }

  /** `GET /provider/spaces/{id}`: storage, import mode/config, occupancy, support sizes. */
  async getSpaceSupport(spaceId: string): Promise<SpaceSupportDetails> {
    return (await this.#http.request<SpaceSupportDetails>({ method: 'GET', path: urlPath`/provider/spaces/${spaceId}` })).data;
  }

  /** `GET /provider/spaces` → ids of spaces this provider supports. */
  async listSupportedSpaces(): Promise<string[]> {
    return idsOf((await this.#http.request({ method: 'GET', path: '/provider/spaces' })).data);
  }

  /** `PATCH /provider/spaces/{id}`: resize, or change auto-import settings (auto mode only). */
  async updateSpaceSupport(spaceId: string, req: UpdateSpaceSupportRequest): Promise<void> {
    const body: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(req)) if (v !== undefined) body[k] = v;
    if (Object.keys(body).length === 0) {
      throw new OnedataValidationError('missingAtLeastOneValue', 'updateSpaceSupport needs at least one field');
    }
    await this.#http.request({ method: 'PATCH', path: urlPath`/provider/spaces/${spaceId}`, body });
  }

  /** `DELETE /provider/spaces/{id}`: revokes this provider's support at once (data on the provider is lost). */
  async revokeSupport(spaceId: string): Promise<void> {
    await this.#http.request({ method: 'DELETE', path: urlPath`/provider/spaces/${spaceId}` });
  }

  // -- storage import ---------------------------------------------------------------------------

  /**
   * `POST .../storage-import/auto/force-start`. The initial scan starts by itself right after
   * support, so `409 alreadyExists` (a scan is running; Onepanel wraps it in `errorOnNodes`) is the
   * usual answer: `'alreadyRunning'`. Only that id counts: another conflict is not a running scan.
   */
  async forceStartImport(spaceId: string): Promise<'started' | 'alreadyRunning'> {
    try {
      await this.#http.request({ method: 'POST', path: urlPath`/provider/spaces/${spaceId}/storage-import/auto/force-start` });
      return 'started';
    } catch (err) {
      if (hasErrorId(err, 'alreadyExists')) return 'alreadyRunning';
      throw err;
    }
  }

  /** `GET .../storage-import/auto/info`: status and counters of the current or last scan. */
  async getImportInfo(spaceId: string): Promise<AutoStorageImportInfo> {
    return (await this.#http.request<AutoStorageImportInfo>({ method: 'GET', path: urlPath`/provider/spaces/${spaceId}/storage-import/auto/info` })).data;
  }
}
