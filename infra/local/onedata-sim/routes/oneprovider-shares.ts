/** Oneprovider shares: create for a file or the space root, get, modify, delete. */
import { err, fail } from '../errors.ts';
import { created, noContent, objectBody, ok, type Ctx, type Router } from '../http.ts';
import { randomId, shareObjectId } from '../ids.ts';
import type { Share } from '../model.ts';
import { assertValidName } from '../names.ts';
import { validateBody } from '../schemas.ts';
import { applyShareUpdate, checkDescription, shareUrls } from './onezone-misc.ts';
import { authenticateProvider, providerUrl, requireMember, resolveBodyFileId, visibleSpace } from './oneprovider-common.ts';

function shareInSpace(ctx: Ctx): Share {
  const share = ctx.sim.state.shares.get(String(ctx.params['id']));
  if (!share) fail(err.notFound());
  visibleSpace(ctx, share.spaceId);
  return share;
}

export function registerOneproviderShares(router: Router): void {
  router.on('POST', '/shares', (ctx) => {
    const caller = authenticateProvider(ctx);
    const body = validateBody('shareCreate', objectBody(ctx));
    const idKey = body['rootFileId'] !== undefined ? 'rootFileId' : body['fileId'] !== undefined ? 'fileId' : null;
    if (idKey === null) fail(err.missingRequiredValue('rootFileId'));
    const node = resolveBodyFileId(ctx, body[idKey], idKey);
    requireMember(ctx, caller, node.spaceId, 'space_manage_shares');
    if (body['name'] === '') fail(err.badValueEmpty('name'));
    const name = assertValidName(body['name']);
    const share: Share = {
      id: randomId(),
      name,
      description: body['description'] === undefined ? '' : checkDescription(body['description']),
      spaceId: node.spaceId,
      rootFileUuid: node.uuid,
      rootFileType: node.type,
      creationTime: ctx.sim.nowS(),
      creator: { type: 'user', id: caller.userId },
      handleId: null,
    };
    ctx.sim.state.shares.set(share.id, share);
    return created(providerUrl(ctx, `/shares/${share.id}`), { shareId: share.id });
  });

  router.on('GET', '/shares/:id', (ctx) => {
    const caller = authenticateProvider(ctx);
    const share = shareInSpace(ctx);
    requireMember(ctx, caller, share.spaceId);
    return ok({
      shareId: share.id,
      name: share.name,
      description: share.description,
      ...shareUrls(ctx.sim, share.id),
      spaceId: share.spaceId,
      rootFileId: shareObjectId(share.rootFileUuid, share.spaceId, share.id),
      rootFileType: share.rootFileType,
      handleId: share.handleId,
    });
  });

  router.on('PATCH', '/shares/:id', (ctx) => {
    const caller = authenticateProvider(ctx);
    const share = shareInSpace(ctx);
    requireMember(ctx, caller, share.spaceId, 'space_manage_shares');
    // Oneprovider checks only non_empty itself (as for POST); Onezone then applies the name rule.
    if (objectBody(ctx)['name'] === '') fail(err.badValueEmpty('name'));
    applyShareUpdate(ctx);
    return noContent();
  });

  router.on('DELETE', '/shares/:id', (ctx) => {
    const caller = authenticateProvider(ctx);
    const share = shareInSpace(ctx);
    requireMember(ctx, caller, share.spaceId, 'space_manage_shares');
    ctx.sim.state.shares.delete(share.id);
    return noContent();
  });
}
