import type { SimService } from './types.ts';

/**
 * Calls of reference/onedata-api.md that real servers answer but the simulator does not model. They
 * get `501 notSupported` naming the simulator, never the `404 notFound` or `405` of an unknown path:
 * a real server gives `404` for an unknown *id*, so a missing feature must not look like one.
 */
const CALLS: Record<Exclude<SimService, 'unknown'>, [method: string, path: RegExp][]> = {
  onezone: [
    ['PUT', /^\/groups\/[^/]+\/children\/[^/]+$/],
    ['GET', /^\/groups\/[^/]+\/children\/[^/]+\/privileges$/],
    ['PATCH', /^\/groups\/[^/]+\/children\/[^/]+\/privileges$/],
    ['DELETE', /^\/groups\/[^/]+\/spaces\/[^/]+$/],
    ['POST', /^\/groups\/[^/]+\/spaces\/join$/],
    ['GET', /^\/spaces\/[^/]+\/providers\/[^/]+$/],
    ['PATCH', /^\/spaces\/[^/]+\/providers\/[^/]+\/support_parameters$/],
    ['GET', /^\/spaces\/[^/]+\/effective_groups(\/.*)?$/],
    ['POST', /^\/spaces$/],
    ['GET', /^\/spaces$/],
    ['POST', /^\/groups$/],
    ['DELETE', /^\/user\/spaces\/[^/]+$/],
    ['POST', /^\/user\/spaces\/join$/],
    ['GET', /^\/user\/effective_providers\/[^/]+(\/spaces)?$/],
    ['POST', /^\/tokens\/(verify_access_token|verify_invite_token|verify_identity_token|infer_access_token_scope)$/],
  ],
  oneprovider: [
    ['POST', /^\/data\/[^/]+\/children$/],
    ['POST', /^\/lookup-file-id\/.+$/],
  ],
  onepanel: [['PATCH', /^\/provider\/storages\/[^/]+$/]],
};

/** Whether `method path` (the part after `/api/v3/<service>`) is a real call the simulator leaves out. */
export function isNotSimulated(service: SimService, method: string, path: string): boolean {
  if (service === 'unknown') return false;
  return CALLS[service].some(([m, p]) => m === method && p.test(path));
}
