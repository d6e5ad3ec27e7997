import { OnedataValidationError } from './errors.ts';
import { createdId, idFromLocation, urlPath, type ServiceHttp } from './http.ts';
import type {
  AddQosRequirementRequest,
  CreateShareRequest,
  FileAttributes,
  OneproviderConfiguration,
  OneproviderShare,
  OneproviderSpace,
  QosRequirement,
  QosSummary,
  RegisterFileRequest,
  TransferStatus,
  UpdateShareRequest,
  CreateOptions,
} from './types.ts';

/** Oneprovider REST (`/api/v3/oneprovider`): spaces as the provider sees them, files, shares, QoS, transfers. */
export class OneproviderApi {
  readonly #http: ServiceHttp;

  constructor(http: ServiceHttp) {
    this.#http = http;
  }

  /** `GET /configuration` (public): providerId, version, onezoneDomain. */
  async getConfiguration(): Promise<OneproviderConfiguration> {
    return (await this.#http.request<OneproviderConfiguration>({ method: 'GET', path: '/configuration', auth: false })).data;
  }

  /**
   * `GET /spaces/{id}`: the space as this provider sees it, with the root directory id. Right after
   * support the provider may not know the space yet (`spaceNotSupportedBy`, `userNotSupported`,
   * `forbidden`); see `waitUntilProviderSeesSpace`.
   */
  async getSpace(spaceId: string, opts: { priority?: 'normal' | 'low' } = {}): Promise<OneproviderSpace> {
    const path = urlPath`/spaces/${spaceId}`;
    const res = await this.#http.request<Record<string, unknown>>({ method: 'GET', path, ...(opts.priority ? { priority: opts.priority } : {}) });
    const d = res.data ?? {};
    // `fileId` is the deprecated alias of `dirId`.
    const dirId = typeof d['dirId'] === 'string' ? d['dirId'] : typeof d['fileId'] === 'string' ? d['fileId'] : '';
    return { ...(d as Omit<OneproviderSpace, 'dirId'>), spaceId: String(d['spaceId'] ?? spaceId), name: String(d['name'] ?? ''), dirId };
  }

  // -- shares -----------------------------------------------------------------------------------

  /**
   * `POST /shares` → shareId. Any number of shares per file is allowed, so a retried create can
   * leave a duplicate; list `zone.listSpaceShares` to reconcile.
   */
  async createShare(req: CreateShareRequest, opts: CreateOptions = {}): Promise<string> {
    const path = '/shares';
    const body: Record<string, unknown> = { name: req.name, rootFileId: req.rootFileId };
    if (req.description !== undefined) body['description'] = req.description;
    const res = await this.#http.request({ method: 'POST', path, body, retry: opts.retry ?? true });
    return createdId('oneprovider', 'POST', path, res, 'shareId');
  }

  /** `GET /shares/{id}`: includes `publicUrl` and the public `rootFileId`. */
  async getShare(shareId: string): Promise<OneproviderShare> {
    return (await this.#http.request<OneproviderShare>({ method: 'GET', path: urlPath`/shares/${shareId}` })).data;
  }

  /** `PATCH /shares/{id}` with at least one of `name`, `description`. */
  async updateShare(shareId: string, req: UpdateShareRequest): Promise<void> {
    const body: Record<string, unknown> = {};
    if (req.name !== undefined) body['name'] = req.name;
    if (req.description !== undefined) body['description'] = req.description;
    if (Object.keys(body).length === 0) {
      throw new OnedataValidationError('missingAtLeastOneValue', 'updateShare needs "name" or "description"');
    }
    await this.#http.request({ method: 'PATCH', path: urlPath`/shares/${shareId}`, body });
  }

  /** `DELETE /shares/{id}` (the data stays). */
  async deleteShare(shareId: string): Promise<void> {
    await this.#http.request({ method: 'DELETE', path: urlPath`/shares/${shareId}` });
  }

  // -- files and metadata -----------------------------------------------------------------------

  /**
   * `GET /data/{id}`. `attributes` go in the query string (`?attributes=a&attributes=b`), which
   * 21.02.7 merges with its JSON-body options, so no body is sent on a GET. Without them the
   * server returns its default set. A missing file is `400 posix {errno:"enoent"}`, not 404.
   */
  async getFileAttributes(fileId: string, attributes?: string[]): Promise<FileAttributes> {
    return (
      await this.#http.request<FileAttributes>({
        method: 'GET',
        path: urlPath`/data/${fileId}`,
        ...(attributes?.length ? { query: { attributes } } : {}),
      })
    ).data;
  }

  /** `PUT /data/{id}/metadata/json`: replaces the whole JSON metadata document. */
  async setJsonMetadata(fileId: string, value: unknown): Promise<void> {
    if (value === undefined) throw new OnedataValidationError('badValueJSON', 'JSON metadata must not be undefined');
    await this.#http.request({ method: 'PUT', path: urlPath`/data/${fileId}/metadata/json`, body: value });
  }

  /**
   * `POST /data/register`: registers a file of an imported storage in `manual` import mode.
   * Re-registering the same file updates its metadata (an upsert), so retries are safe.
   */
  async registerFile(req: RegisterFileRequest): Promise<{ fileId?: string }> {
    const path = '/data/register';
    const body: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(req)) if (v !== undefined) body[k] = v;
    const res = await this.#http.request<{ fileId?: unknown }>({ method: 'POST', path, body });
    const fileId = res.data && typeof res.data.fileId === 'string' ? res.data.fileId : undefined;
    if (fileId) return { fileId };
    // The registration succeeded (2xx); an answer without an id is still a success.
    const fromLocation = idFromLocation(res.location);
    return fromLocation ? { fileId: fromLocation } : {};
  }

  // -- QoS and transfers ------------------------------------------------------------------------

  /** `POST /qos_requirements` → qosRequirementId. Not idempotent: each call adds a requirement. */
  async addQosRequirement(req: AddQosRequirementRequest, opts: CreateOptions = {}): Promise<string> {
    const path = '/qos_requirements';
    const res = await this.#http.request({
      method: 'POST',
      path,
      body: { fileId: req.fileId, expression: req.expression, replicasNum: req.replicasNum ?? 1 },
      ...(opts.retry === false ? { retry: false } : {}),
    });
    return createdId('oneprovider', 'POST', path, res, 'qosRequirementId');
  }

  /** `GET /qos_requirements/{id}`: status `fulfilled | pending | impossible`. */
  async getQosRequirement(qosRequirementId: string): Promise<QosRequirement> {
    const res = await this.#http.request<QosRequirement>({ method: 'GET', path: urlPath`/qos_requirements/${qosRequirementId}` });
    return { ...res.data, qosRequirementId: res.data.qosRequirementId ?? qosRequirementId };
  }

  /** `GET /transfers/{id}`. */
  async getTransfer(transferId: string): Promise<TransferStatus> {
    return (await this.#http.request<TransferStatus>({ method: 'GET', path: urlPath`/transfers/${transferId}` })).data;
  }

  /**
   * `GET /spaces/{id}/transfers?state=…`, every page: the ids of the space's transfers in one state
   * (`waiting`, `ongoing` or `ended`), including those a QoS requirement started.
   */
  async listSpaceTransfers(spaceId: string, state: 'waiting' | 'ongoing' | 'ended'): Promise<string[]> {
    const ids: string[] = [];
    let pageToken: string | null = null;
    do {
      const query: Record<string, string> = { state, limit: '1000' };
      if (pageToken) query['page_token'] = pageToken;
      const res = await this.#http.request<{ transfers?: string[]; nextPageToken?: string | null }>({
        method: 'GET',
        path: urlPath`/spaces/${spaceId}/transfers`,
        query,
      });
      ids.push(...(res.data.transfers ?? []));
      pageToken = res.data.nextPageToken ?? null;
    } while (pageToken);
    return ids;
  }

  /** `GET /data/{id}/qos/summary`: the requirements that apply to a file (its own and its ancestors') and their overall status. */
  async getQosSummary(fileId: string): Promise<QosSummary> {
    return (await this.#http.request<QosSummary>({ method: 'GET', path: urlPath`/data/${fileId}/qos/summary` })).data;
  }
}
