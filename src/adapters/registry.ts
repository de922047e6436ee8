/**
 * The platforms the bot can run on, and the registry start-up builds from configuration. Adding a platform
 * is one folder (src/adapters/<name>/ with its `AdapterDefinition`) and one line in `PLATFORMS`.
 */
import type { Config } from '../config.js';
import type { Adapter, AdapterDefinition, AdapterDeps, AdapterHealth } from '../core/adapter.js';
import type { OutboundChannel } from '../core/outbound.js';
import { slackAdapter } from './slack/adapter.js';
import { discordAdapter } from './discord/adapter.js';

/** Every chat platform, in start-up order (one line each). The console is not here: it runs when none is enabled. */
export const PLATFORMS: readonly AdapterDefinition[] = [
  discordAdapter,
  slackAdapter,
];

/** What `/healthz` and `/capex-digest status` show for one adapter. */
export interface AdapterReport {
  name: string;
  label: string;
  health: AdapterHealth;
}

export class AdapterRegistry {
  private readonly adapters: Adapter[] = [];

  private constructor(private readonly enabled: readonly AdapterDefinition[]) {}

  /** The platforms the configuration turns on. */
  static fromConfig(config: Config, platforms: readonly AdapterDefinition[] = PLATFORMS): AdapterRegistry {
    return new AdapterRegistry(platforms.filter((p) => p.enabled(config)));
  }

  get isEmpty(): boolean {
    return this.enabled.length === 0;
  }

  /** Whether any enabled platform serves on the shared HTTP server in this configuration. */
  needsHttp(config: Config): boolean {
    return this.enabled.some((p) => p.needsHttp(config));
  }

  /**
   * Creates and starts every enabled adapter (each registers its syntax with the core). An adapter whose
   * platform is down starts degraded and keeps trying (see Adapter.start); only a configuration that can never
   * work rejects here.
   */
  async start(deps: AdapterDeps): Promise<void> {
    for (const definition of this.enabled) this.adapters.push(await definition.create(deps));
    // Side by side: each waits at most a few seconds for its platform (KeepTrying), so start-up waits for the slowest, not the sum.
    await Promise.all(this.adapters.map((adapter) => adapter.start()));
  }

  /** Stops adapters in reverse start order. */
  async stop(): Promise<void> {
    for (const adapter of [...this.adapters].reverse()) await adapter.stop();
  }

  outbounds(): OutboundChannel[] {
    return this.adapters.flatMap((a) => (a.outbound ? [a.outbound] : []));
  }

  reports(): AdapterReport[] {
    return this.adapters.map((a) => ({ name: a.name, label: a.label ?? a.name, health: a.health() }));
  }

  /** The `/healthz` body's adapter part: `status` is `degraded` while any adapter is, with each reason. */
  healthz(): { ok: boolean; status: 'ok' | 'degraded' | 'starting'; adapters: string[]; platforms: Record<string, AdapterHealth>; degraded?: string[] } {
    const reports = this.reports();
    const degraded = reports.filter((r) => r.health.status === 'degraded' || r.health.status === 'stopped');
    const starting = reports.some((r) => r.health.status === 'starting');
    const status = degraded.length ? 'degraded' : starting ? 'starting' : 'ok';
    return {
      ok: status === 'ok',
      status,
      adapters: reports.map((r) => r.label),
      platforms: Object.fromEntries(reports.map((r) => [r.name, r.health])),
      ...(degraded.length ? { degraded: degraded.map((r) => `${r.label}: ${r.health.reason ?? r.health.status}`) } : {}),
    };
  }
}
