/**
 * Onepanel runs support, resize, revoke, space details, storage delete and the storage-import calls
 * as service actions on its cluster nodes, and reports an action's failure wrapped as
 * `errorOnNodes {error: <inner>, hostnames}` with the inner error's HTTP status (reference notes
 * §1.4, evidenced by onepanel's own REST tests). Checks that run before the action (authentication,
 * privileges, the request's shape) answer bare, so route handlers do those first and put the rest
 * inside `serviceAction`.
 */
import { err, SimError } from '../errors.ts';
import type { Ctx } from '../http.ts';

/** The one cluster node of a simulated provider's Onepanel. */
export function clusterHostnames(ctx: Ctx): string[] {
  return [`node1.${ctx.provider.domain}`];
}

/** Runs the action part of a handler; its errors come back wrapped as Onepanel wraps them. */
export function serviceAction<T>(ctx: Ctx, action: () => T): T {
  try {
    return action();
  } catch (e) {
    if (e instanceof SimError && e.body === undefined) throw new SimError(err.errorOnNodes(e.json, clusterHostnames(ctx)));
    throw e;
  }
}
