/**
 * The service's own figures (`GET /v1/stats`) for a run, to set beside what
 * the run measured from outside: per region, the updates applied and the
 * reads counted while it ran (counters, read before and after), and the
 * replication lag as the service summarizes it.
 */
import type { ServiceRegionStats, ServiceStats, StatsSummary } from "./api";

/** One region's figures as the service counted them. */
export interface ServiceRegionFigures {
  /** Updates applied to the region's replicas while the run went on (after − before). */
  applied: number;
  /**
   * Replication lag, commit at the primary to apply at the replica, in ms:
   * over the service's recent window as the run ended, and since its objects
   * started (which on a long-running deployment includes other traffic).
   */
  lagMs: { window: StatsSummary; total: StatsSummary };
  /** Reads served in the region while the run went on, by tier and by mode (after − before). */
  reads: { total: number; byTier: Record<string, number>; byMode: Record<string, number> };
}

/** The service's figures for a run, or why there are none (a token without the admin scope, an older service). */
export type ServiceFigures = { windowMs: number; regions: Record<string, ServiceRegionFigures> } | { unavailable: string };

function difference(after: Record<string, number>, before: Record<string, number> | undefined): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([name, n]) => [name, n - (before?.[name] ?? 0)]));
}

function regionFigures(after: ServiceRegionStats, before: ServiceRegionStats | undefined): ServiceRegionFigures {
  return {
    applied: after.replication.applied - (before?.replication.applied ?? 0),
    lagMs: after.replication.lagMs,
    reads: {
      total: after.reads.total - (before?.reads.total ?? 0),
      byTier: difference(after.reads.byTier, before?.reads.byTier),
      byMode: difference(after.reads.byMode, before?.reads.byMode),
    },
  };
}

/**
 * The figures of the run between two readings of `/v1/stats`. Counters are
 * kept in memory by the service's objects, so an object that restarted
 * during the run counts from zero again: its region's differences are then
 * too small, never too large.
 *
 * @example serviceFigures(await api.stats(), await api.stats())
 */
export function serviceFigures(
  before: { stats: ServiceStats } | { unavailable: string },
  after: { stats: ServiceStats } | { unavailable: string },
): ServiceFigures {
  if ("unavailable" in after) return after;
  if ("unavailable" in before) return before;
  const regions = Object.entries(after.stats.regions).map(([region, figures]) => [region, regionFigures(figures, before.stats.regions[region])]);
  return { windowMs: after.stats.windowMs, regions: Object.fromEntries(regions) };
}

/**
 * Where the "svc" columns of the table come from, or why there are none.
 *
 * @example serviceNote({ unavailable: "GET /v1/stats answered 403" })
 */
export function serviceNote(service: ServiceFigures): string {
  if ("unavailable" in service) return `no figures of its own (${service.unavailable})`;
  return `"svc lag": the service's replication lag (commit at the primary to apply at the replica) from /v1/stats, over its last ${service.windowMs / 1000} s`;
}
