/**
 * The services commands use, typed: merged into the core's `Services` interface here, where commands meet
 * them, so the core names no feature and no command reads a service through a cast. Each is optional: the
 * core runs without a database (benchmarks, one-shot commands), and a command that needs a missing service
 * answers that it is not set up.
 */
import type { AdapterHealth } from '../core/adapter.js';
import type { LiveData } from '../data/live.js';
import type { AlertService } from '../alerts/service.js';
import type { NewsService } from '../news/service.js';
import type { DigestService } from '../schedule/service.js';
import type { ProposalService } from '../proposals/service.js';

/** One running chat adapter as `/capex-digest status` lists it. */
export interface AdapterSummary {
  /** "slack (socket mode)", "discord". */
  label: string;
  health: AdapterHealth;
}

/** Addresses of the bot's public web pages (src/web installs it when PUBLIC_URL is set and the pages are on). */
export interface PageLinks {
  /** Absolute URL of a company's page. */
  company(companyId: string): string;
}

declare module '../core/command.js' {
  interface Services {
    /** Links from chat answers to the web pages; absent unless PUBLIC_URL is set. */
    pages?: PageLinks;
    /** The data source with its reload status (`/capex-digest status`). */
    live?: LiveData;
    /** Scheduled digests (`/capex-digest add|list|…`); opens the database on first use. */
    digest?: DigestService;
    /** News feeds and headlines (`/capex news`, `/capex-digest feeds`). */
    news?: NewsService;
    /** Revision alerts (`/capex-digest alerts`). */
    alerts?: AlertService;
    /** Proposed figures from filings and headlines (`/capex-digest proposals`). */
    proposals?: ProposalService;
    /** The chat adapters this process runs, with their health; absent in one-shot runs. */
    adapters?: () => readonly AdapterSummary[];
  }
}
