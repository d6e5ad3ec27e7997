import { isOnedataError, type OnedataClient } from '../../../shared/onedata/index.ts';
import { Semaphore } from '../../../shared/retry/index.ts';
import type { DatasetState } from '../../../shared/state/dataset-state.ts';
import type { CliContext } from './context.ts';

/** fs2od's `test stats`: support size and occupancy of each dataset space, per provider. */
export interface ProviderUsage {
  providerId: string;
  /** Support size in bytes (Onepanel `supportingProviders`). */
  support: number;
  /** Bytes used, as that provider's Onepanel reports it; undefined when that panel is not configured. */
  occupancy?: number;
}

export interface SpaceUsage {
  folder: string;
  spaceId: string;
  name?: string;
  providers: ProviderUsage[];
  error?: string;
}

export interface StatsReport {
  spaces: SpaceUsage[];
  providers: Record<string, { name?: string; spaces: number; support: number; occupancy: number; occupancyUnknown: number }>;
  total: { spaces: number; support: number; occupancy: number };
}

interface Panel {
  providerId: string;
  name?: string;
  od: OnedataClient;
}

/** The configured Oneproviders' Onepanels, by provider id (a provider that does not answer is left out). */
async function configuredPanels(ctx: CliContext): Promise<Panel[]> {
  const panels = await Promise.all(
    ctx.config.restAccess.oneproviders.map(async (p, i) => {
      const od = ctx.onedata(i === 0 ? {} : { providerUrl: p.host });
      try {
        const conf = await od.provider.getConfiguration();
        return { providerId: conf.providerId, ...(conf.name ? { name: conf.name } : {}), od };
      } catch (e) {
        if (i === 0) throw e;
        return undefined;
      }
    }),
  );
  return panels.filter((p): p is Panel => p !== undefined);
}

export async function collectStats(ctx: CliContext, records: DatasetState[]): Promise<StatsReport> {
  const panels = await configuredPanels(ctx);
  const primary = panels[0]!;
  const byId = new Map(panels.map((p) => [p.providerId, p]));
  const limit = new Semaphore(8);
  const spaces = await Promise.all(
    records
      .filter((r) => r.outputs.spaceId)
      .map((r) =>
        limit.run(async (): Promise<SpaceUsage> => {
          const spaceId = r.outputs.spaceId!;
          const usage: SpaceUsage = { folder: r.dataset.prefix, spaceId, ...(r.outputs.onedataName ? { name: r.outputs.onedataName } : {}), providers: [] };
          let sizes: Record<string, number>;
          const occupancy = new Map<string, number>();
          try {
            const support = await primary.od.panel.getSpaceSupport(spaceId);
            sizes = support.supportingProviders;
            if (support.spaceOccupancy !== undefined) occupancy.set(primary.providerId, support.spaceOccupancy);
          } catch (e) {
            // Not supported by the primary (any more): Onezone still knows the other supports.
            try {
              sizes = (await primary.od.zone.getSpace(spaceId)).providers;
            } catch (e2) {
              usage.error = isOnedataError(e2) ? `${e2.id}: ${e2.description}` : (e2 as Error).message;
              return usage;
            }
            if (Object.keys(sizes).length === 0) usage.error = isOnedataError(e) ? `not supported (${e.id})` : 'not supported';
          }
          for (const providerId of Object.keys(sizes)) {
            const panel = byId.get(providerId);
            if (!panel || occupancy.has(providerId)) continue;
            const other = await panel.od.panel.getSpaceSupport(spaceId).catch(() => undefined);
            if (other?.spaceOccupancy !== undefined) occupancy.set(providerId, other.spaceOccupancy);
          }
          usage.providers = Object.entries(sizes)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([providerId, support]) => ({ providerId, support, ...(occupancy.has(providerId) ? { occupancy: occupancy.get(providerId)! } : {}) }));
          return usage;
        }),
      ),
  );
  const providers: StatsReport['providers'] = {};
  const total = { spaces: 0, support: 0, occupancy: 0 };
  for (const s of spaces) {
    if (s.providers.length) total.spaces++;
    for (const p of s.providers) {
      const name = byId.get(p.providerId)?.name;
      const agg = (providers[p.providerId] ??= { ...(name ? { name } : {}), spaces: 0, support: 0, occupancy: 0, occupancyUnknown: 0 });
      agg.spaces++;
      agg.support += p.support;
      if (p.occupancy === undefined) agg.occupancyUnknown++;
      else agg.occupancy += p.occupancy;
      total.support += p.support;
      total.occupancy += p.occupancy ?? 0;
    }
  }
  return { spaces, providers, total };
}
