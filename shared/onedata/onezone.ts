import { OnedataError, OnedataValidationError, hasErrorId, isNotFound } from './errors.ts';
import { createdId, urlPath, type HttpResponse, type ServiceHttp } from './http.ts';
import type {
  CreateAccessTokenRequest,
  CreatedNamedToken,
  CreateGroupInviteTokenRequest,
  CreateGroupRequest,
  CreateSpaceRequest,
  NamedToken,
  OnezoneConfiguration,
  OnezoneGroup,
  OnezoneShare,
  OnezoneSpace,
  OnezoneUser,
  CreateOptions,
} from './types.ts';

function listOf(data: unknown, key: string): string[] {
  const v = data && typeof data === 'object' ? (data as Record<string, unknown>)[key] : undefined;
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function toNamedToken(data: unknown): NamedToken {
  const d = (data ?? {}) as Record<string, unknown>;
  const { id, tokenId, ...rest } = d;
  return { ...(rest as Omit<NamedToken, 'tokenId'>), tokenId: String(tokenId ?? id ?? '') };
}

/** Onezone REST (`/api/v3/onezone`): spaces, groups, tokens, shares. */
export class OnezoneApi {
  readonly #http: ServiceHttp;

  constructor(http: ServiceHttp) {
    this.#http = http;
  }

  /** `GET /configuration` (public): domain, version, compatible Oneprovider versions. */
  async getConfiguration(): Promise<OnezoneConfiguration> {
    return (await this.#http.request<OnezoneConfiguration>({ method: 'GET', path: '/configuration', auth: false })).data;
  }

  /** `GET /user`: the token's owner; also the cheapest auth check. */
  async getCurrentUser(): Promise<OnezoneUser> {
    return (await this.#http.request<OnezoneUser>({ method: 'GET', path: '/user' })).data;
  }

  // -- spaces -----------------------------------------------------------------------------------

  /**
   * `POST /groups/{groupId}/spaces` → the new space id (from `Location`; the server answers 201
   * although the spec says 204). With `idGeneratorSeed` a repeat fails with `409 alreadyExists`,
   * surfaced as `OnedataError` for the caller to resolve.
   */
  async createSpace(req: CreateSpaceRequest): Promise<string> {
    const path = urlPath`/groups/${req.groupId}/spaces`;
    const body: Record<string, unknown> = { name: req.name };
    if (req.idGeneratorSeed !== undefined) body['idGeneratorSeed'] = req.idGeneratorSeed;
    if (req.description !== undefined) body['description'] = req.description;
    if (req.organizationName !== undefined) body['organizationName'] = req.organizationName;
    if (req.tags !== undefined) body['tags'] = req.tags;
    const res = await this.#http.request({ method: 'POST', path, body });
    return createdId('onezone', 'POST', path, res, 'spaceId');
  }

  /** `GET /spaces/{id}`. */
  async getSpace(spaceId: string): Promise<OnezoneSpace> {
    const res = await this.#http.request<OnezoneSpace>({ method: 'GET', path: urlPath`/spaces/${spaceId}` });
    return { ...res.data, providers: res.data.providers ?? {} };
  }

  /** `GET /user/effective_spaces`: spaces of the user, including those reached through groups. */
  async listEffectiveSpaces(): Promise<string[]> {
    return listOf((await this.#http.request({ method: 'GET', path: '/user/effective_spaces' })).data, 'spaces');
  }

  /** `GET /groups/{id}/spaces`: spaces the group is a direct member of. */
  async listGroupSpaces(groupId: string): Promise<string[]> {
    return listOf((await this.#http.request({ method: 'GET', path: urlPath`/groups/${groupId}/spaces` })).data, 'spaces');
  }

  /** `DELETE /spaces/{id}`. Providers learn about it asynchronously. */
  async deleteSpace(spaceId: string): Promise<void> {
    await this.#http.request({ method: 'DELETE', path: urlPath`/spaces/${spaceId}` });
  }

  /** `GET /spaces/{id}/shares`. */
  async listSpaceShares(spaceId: string): Promise<string[]> {
    return listOf((await this.#http.request({ method: 'GET', path: urlPath`/spaces/${spaceId}/shares` })).data, 'shares');
  }

  /** `GET /spaces/{id}/groups`: direct member groups. */
  async listSpaceGroups(spaceId: string): Promise<string[]> {
    return listOf((await this.#http.request({ method: 'GET', path: urlPath`/spaces/${spaceId}/groups` })).data, 'groups');
  }

  /**
   * `DELETE /spaces/{id}/providers/{pid}` (`space_remove_support`): Onezone stops the provider's
   * support at once; the provider learns later. Irreversible for data that has no replica elsewhere.
   */
  async removeSpaceSupport(spaceId: string, providerId: string): Promise<void> {
    await this.#http.request({ method: 'DELETE', path: urlPath`/spaces/${spaceId}/providers/${providerId}` });
  }

  /** `GET /spaces/{id}/providers`: ids of supporting providers. */
  async listSpaceProviders(spaceId: string): Promise<string[]> {
    return listOf((await this.#http.request({ method: 'GET', path: urlPath`/spaces/${spaceId}/providers` })).data, 'providers');
  }

  /** `GET /shares/{id}` (Onezone's view: `fileType` file|dir, creator, creationTime). */
  async getShare(shareId: string): Promise<OnezoneShare> {
    return (await this.#http.request<OnezoneShare>({ method: 'GET', path: urlPath`/shares/${shareId}` })).data;
  }

  // -- groups -----------------------------------------------------------------------------------

  /** `POST /groups/{parent}/children` → the new child group id. Names are not unique: a repeat creates another group. */
  async createChildGroup(parentGroupId: string, req: CreateGroupRequest, opts: CreateOptions = {}): Promise<string> {
    const path = urlPath`/groups/${parentGroupId}/children`;
    const res = await this.#http.request({ method: 'POST', path, body: { name: req.name, type: req.type ?? 'team' }, retry: opts.retry ?? true });
    return createdId('onezone', 'POST', path, res, 'groupId');
  }

  /** `GET /groups/{id}/children`: direct child group ids. */
  async listChildGroups(parentGroupId: string): Promise<string[]> {
    return listOf((await this.#http.request({ method: 'GET', path: urlPath`/groups/${parentGroupId}/children` })).data, 'groups');
  }

  /** `GET /groups/{id}`. */
  async getGroup(groupId: string): Promise<OnezoneGroup> {
    return (await this.#http.request<OnezoneGroup>({ method: 'GET', path: urlPath`/groups/${groupId}` })).data;
  }

  /** `DELETE /groups/{id}`. */
  async deleteGroup(groupId: string): Promise<void> {
    await this.#http.request({ method: 'DELETE', path: urlPath`/groups/${groupId}` });
  }

  /**
   * `PUT /spaces/{id}/groups/{gid}` with optional `privileges`. When the group is already a member
   * (`409 relationAlreadyExists`) and `privileges` were given, the existing privileges are
   * reconciled to exactly that list (grant missing, revoke extra) and `'alreadyMember'` is returned.
   */
  async addGroupToSpace(spaceId: string, groupId: string, privileges?: string[]): Promise<'added' | 'alreadyMember'> {
    try {
      await this.#http.request({
        method: 'PUT',
        path: urlPath`/spaces/${spaceId}/groups/${groupId}`,
        body: privileges === undefined ? {} : { privileges },
      });
      return 'added';
    } catch (err) {
      if (!hasErrorId(err, 'relationAlreadyExists')) throw err;
    }
    if (privileges !== undefined) await this.setGroupSpacePrivileges(spaceId, groupId, privileges);
    return 'alreadyMember';
  }

  /** `GET /spaces/{id}/groups/{gid}/privileges`: the group's direct privileges in the space. */
  async getGroupSpacePrivileges(spaceId: string, groupId: string): Promise<string[]> {
    return listOf((await this.#http.request({ method: 'GET', path: urlPath`/spaces/${spaceId}/groups/${groupId}/privileges` })).data, 'privileges');
  }

  /** Makes the group's space privileges exactly `privileges` with one `PATCH {grant, revoke}` (none if already equal). */
  async setGroupSpacePrivileges(spaceId: string, groupId: string, privileges: string[]): Promise<void> {
    const current = new Set(await this.getGroupSpacePrivileges(spaceId, groupId));
    const wanted = new Set(privileges);
    const grant = [...wanted].filter((p) => !current.has(p));
    const revoke = [...current].filter((p) => !wanted.has(p));
    if (grant.length === 0 && revoke.length === 0) return;
    await this.#http.request({
      method: 'PATCH',
      path: urlPath`/spaces/${spaceId}/groups/${groupId}/privileges`,
      body: { ...(grant.length ? { grant } : {}), ...(revoke.length ? { revoke } : {}) },
    });
  }

  // -- tokens -----------------------------------------------------------------------------------

  /**
   * A temporary `supportSpace` invite token for `spaceId` with a `time` caveat of `ttlSeconds`
   * (`POST /user/tokens/temporary` → `{token}`). Temporary tokens are never stored and cannot
   * carry a usage limit, so keep the TTL short.
   */
  async createSupportToken(spaceId: string, opts: { ttlSeconds: number }): Promise<string> {
    if (!Number.isSafeInteger(opts.ttlSeconds) || opts.ttlSeconds < 1) {
      throw new OnedataValidationError('badValueInteger', `ttlSeconds must be a positive integer, got ${opts.ttlSeconds}`, 'ttlSeconds');
    }
    const path = '/user/tokens/temporary';
    const res = await this.#http.request<{ token?: unknown }>({
      method: 'POST',
      path,
      body: {
        type: { inviteToken: { inviteType: 'supportSpace', spaceId } },
        caveats: [{ type: 'time', validUntil: Math.floor(Date.now() / 1000) + opts.ttlSeconds }],
      },
    });
    return tokenIn(path, res);
  }

  /**
   * A named `userJoinGroup` invite token (`POST /user/tokens/named`, or `/users/{ownerUserId}/tokens/named`).
   * `usageLimit` (default `'infinity'`) and `privileges` go at the top level of the body. A name
   * already used by that owner fails with `400 badValueIdentifierOccupied {key:"name"}`.
   */
  async createGroupInviteToken(req: CreateGroupInviteTokenRequest): Promise<CreatedNamedToken> {
    const path = req.ownerUserId ? urlPath`/users/${req.ownerUserId}/tokens/named` : '/user/tokens/named';
    const body: Record<string, unknown> = {
      name: req.name,
      type: { inviteToken: { inviteType: 'userJoinGroup', groupId: req.groupId } },
      usageLimit: req.usageLimit ?? 'infinity',
    };
    if (req.caveats !== undefined) body['caveats'] = req.caveats;
    if (req.privileges !== undefined) body['privileges'] = req.privileges;
    if (req.customMetadata !== undefined) body['customMetadata'] = req.customMetadata;
    return this.#createNamedToken(path, body);
  }

  /**
   * A named access token of the caller (`POST /user/tokens/named`): its power is the caller's,
   * narrowed by `caveats`. A name already used by the caller fails with `400
   * badValueIdentifierOccupied {key:"name"}` (thrown, for the caller to pick another name).
   */
  async createAccessToken(req: CreateAccessTokenRequest): Promise<CreatedNamedToken> {
    const path = '/user/tokens/named';
    const body: Record<string, unknown> = { name: req.name, type: { accessToken: {} }, caveats: req.caveats };
    if (req.customMetadata !== undefined) body['customMetadata'] = req.customMetadata;
    return this.#createNamedToken(path, body);
  }

  /** `POST …/tokens/named`: the token's id (from the answer) and its serialized form (a secret). */
  async #createNamedToken(path: string, body: Record<string, unknown>): Promise<CreatedNamedToken> {
    const res = await this.#http.request<{ tokenId?: unknown; token?: unknown }>({ method: 'POST', path, body });
    const tokenId = createdId('onezone', 'POST', path, res, 'tokenId');
    return { tokenId, token: tokenIn(path, res) };
  }

  /**
   * Revokes a named token (`PATCH /tokens/named/{id}` `{revoked: true}`): every use fails with
   * `tokenRevoked` from then on (a provider may accept it for up to its 10 s auth cache). Unlike a
   * delete, the token stays listed (and can be un-revoked by its owner).
   */
  async revokeNamedToken(tokenId: string): Promise<void> {
    await this.#http.request({ method: 'PATCH', path: urlPath`/tokens/named/${tokenId}`, body: { revoked: true } });
  }

  /**
   * A named token by name, or `null` when there is none. With `ownerUserId` it uses
   * `/users/{id}/tokens/named/name/{name}` (fs2od found the `/user/...` variant unreliable).
   */
  async getNamedTokenByName(name: string, ownerUserId?: string): Promise<NamedToken | null> {
    const path = ownerUserId ? urlPath`/users/${ownerUserId}/tokens/named/name/${name}` : urlPath`/user/tokens/named/name/${name}`;
    try {
      return toNamedToken((await this.#http.request({ method: 'GET', path })).data);
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  /** `GET /tokens/named/{id}`. */
  async getNamedToken(tokenId: string): Promise<NamedToken> {
    return toNamedToken((await this.#http.request({ method: 'GET', path: urlPath`/tokens/named/${tokenId}` })).data);
  }

  /** `DELETE /tokens/named/{id}`. */
  async deleteNamedToken(tokenId: string): Promise<void> {
    await this.#http.request({ method: 'DELETE', path: urlPath`/tokens/named/${tokenId}` });
  }
}

/** The serialized token of a token-creating answer (`{token}`): a secret the caller must keep out of logs. */
function tokenIn(path: string, res: HttpResponse<{ token?: unknown }>): string {
  const token = res.data?.token;
  if (typeof token === 'string' && token !== '') return token;
  throw new OnedataError({ service: 'onezone', method: 'POST', path, status: res.status, id: 'unexpectedResponse', description: 'no "token" in the response' });
}
