/**
 * The Adapter contract: what every chat platform provides, so start-up, health, delivery and help text
 * treat Slack, Discord, the console — and any platform added later — alike. Shaped after vercel/chat's
 * `Adapter` (packages/chat/src/types.ts): a name, a lifecycle, the endpoints it serves, outbound calls with
 * optional capabilities whose fallbacks are written beside them, and how the platform writes things.
 *
 * An adapter folder (src/adapters/<name>/) holds everything platform-specific: its SDK, its renderer, its
 * `Syntax`, and one `AdapterDefinition` that start-up registers with a single line (src/adapters/registry.ts).
 * The core never imports an adapter; adapters call the core (`Core.handleText` / `handleStructured`).
 */
import type { Config } from '../config.js';
import type { HttpServer } from '../http/server.js';
import type { Core } from './core.js';
import type { Logger } from './log.js';
import type { OutboundChannel } from './outbound.js';
import type { Syntax, SyntaxFactory } from './syntax.js';
import type { InstallationStore } from './installations.js';

export type { OutboundChannel, PostedMessage } from './outbound.js';
export type { Syntax, SyntaxFactory } from './syntax.js';

/**
 * `starting`: start() has not finished its first attempt. `ok`: connected and answering.
 * `degraded`: running but not fully working — the platform was unreachable at start-up (retrying in the
 * background), rejected the token, or revoked it; `reason` says which, in words an operator acts on.
 * `stopped`: stop() ran.
 */
export type AdapterStatus = 'starting' | 'ok' | 'degraded' | 'stopped';

export interface AdapterHealth {
  status: AdapterStatus;
  /** Why it is degraded (or stopped): "Discord API unreachable at start-up (ECONNREFUSED); retrying every 30 s". */
  reason?: string;
  /** ISO time of the last change of status. */
  since: string;
}

/** Where the platform reaches the bot: a route on the shared HTTP server, or a connection the adapter keeps open. */
export type Endpoint = { kind: 'http'; method: 'POST' | 'GET'; path: string } | { kind: 'socket'; name: string };

export interface Adapter {
  /** The platform, and the prefix of its ids: `slack` (`slack:C123`), `discord`, `console`. */
  readonly name: string;
  /** Shown in `/healthz` and `/capex-digest status`: "slack (socket mode)". Defaults to `name`. */
  readonly label?: string;
  /** How this platform writes commands, channels and usage lines (see src/core/syntax.ts). */
  readonly syntax: Syntax;
  /** What it serves in this configuration; HTTP endpoints are mounted on the shared server by start(). */
  readonly endpoints: readonly Endpoint[];
  /**
   * How the bot posts on its own (digests, alerts, admin DMs); absent when the configuration cannot post
   * (Discord with only a public key answers interactions but has no bot token). Replies passed to it may hold
   * references; the adapter localizes them with its syntax before rendering.
   */
  readonly outbound?: OutboundChannel;
  /**
   * Mounts endpoints and connects. Resolves after the first attempt whether or not the platform answered:
   * an unreachable platform or a rejected token makes the adapter `degraded` and it retries in the background,
   * so one platform being down never stops the process, the other platforms or the HTTP endpoint. Rejects
   * only for a configuration that can never work (and then start-up stops with the reason).
   */
  start(): Promise<void>;
  /** Stops taking requests and background retries; waits briefly for work in progress. */
  stop(): Promise<void>;
  health(): AdapterHealth;
}

/** What start-up gives an adapter. */
export interface AdapterDeps {
  core: Core;
  config: Config;
  /** The one HTTP server Slack, Discord and /healthz share; present when some enabled adapter needs it. */
  http?: HttpServer;
  logger: Logger;
  /** Per-workspace installations (Slack installed in many workspaces through OAuth); absent otherwise. */
  installations?: InstallationStore;
}

/**
 * One platform, as the registry knows it: whether the configuration turns it on, whether it then needs the
 * shared HTTP server, and how to build it. `create` loads the SDK lazily (an `import()`), so a Slack-only
 * bot never loads discord.js. This is the one thing a new platform exports and registers.
 */
export interface AdapterDefinition {
  readonly name: string;
  readonly syntax: SyntaxFactory;
  enabled(config: Config): boolean;
  needsHttp(config: Config): boolean;
  create(deps: AdapterDeps): Promise<Adapter>;
}

/** Keeps an adapter's health, for the adapter and the code inside it (a revoked token calls `degrade`). */
export class HealthState {
  private state: AdapterHealth = { status: 'starting', since: new Date().toISOString() };

  get(): AdapterHealth {
    return { ...this.state };
  }

  ok(): void {
    this.set('ok');
  }

  degrade(reason: string): void {
    this.set('degraded', reason);
  }

  stopped(): void {
    this.set('stopped');
  }

  /** `since` is when the status last changed: a new reason (the next retry's) keeps it, so it says how long. */
  private set(status: AdapterStatus, reason?: string): void {
    const since = this.state.status === status ? this.state.since : new Date().toISOString();
    this.state = { status, ...(reason ? { reason } : {}), since };
  }
}
