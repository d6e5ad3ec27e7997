import type { OnedataErrorBody } from './types.ts';

/**
 * The only place that reads Onedata's error envelope `{"error": {id, description, details}}`.
 *
 * Onepanel wraps the errors of its service actions (support, resize, revoke, storage delete, space
 * details, storage import) as `errorOnNodes` with the real error in `details.error` and the cluster
 * nodes in `details.hostnames`, sent with the inner error's HTTP status. The inner error is what
 * happened, so it becomes the identity (`id`, `description`, `details`) and the wrapper is kept
 * aside: a caller asking "is this relationAlreadyExists?" must not have to know which service
 * wrapped it.
 */
export interface ParsedErrorEnvelope extends OnedataErrorBody {
  /** Set when the answer was wrapped: the wrapper's id (`errorOnNodes`) and the nodes it names. */
  wrapper?: { id: string; description: string; hostnames: string[] };
}

/** Onepanel's wrapper id for errors of service actions. */
export const ERROR_ON_NODES = 'errorOnNodes';

function plainError(value: unknown): OnedataErrorBody | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const { id, description, details } = value as { id?: unknown; description?: unknown; details?: unknown };
  if (typeof id !== 'string') return undefined;
  return {
    id,
    description: typeof description === 'string' ? description : '',
    ...(details && typeof details === 'object' && !Array.isArray(details) ? { details: details as Record<string, unknown> } : {}),
  };
}

/**
 * Reads `body.error`; unwraps `errorOnNodes` (once: Onepanel never nests it). A wrapper without a
 * readable inner error stays as it is, so nothing is lost.
 */
export function parseErrorEnvelope(body: unknown): ParsedErrorEnvelope | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const outer = plainError((body as { error?: unknown }).error);
  if (!outer || outer.id !== ERROR_ON_NODES) return outer;
  const inner = plainError(outer.details?.['error']);
  if (!inner) return outer;
  const hostnames = outer.details?.['hostnames'];
  return {
    ...inner,
    wrapper: {
      id: outer.id,
      description: outer.description,
      hostnames: Array.isArray(hostnames) ? hostnames.filter((h): h is string => typeof h === 'string') : [],
    },
  };
}
