/**
 * Ids already handled (Discord interaction ids, Slack trigger_ids and event_ids), each remembered for at least
 * `keepMs` — after that the platform's signed timestamp check refuses a replay on its own — in two generations:
 * new ids go into the current one; when it is `keepMs` old (or holds half of `maxEntries`) it becomes the
 * previous one and the old previous is dropped whole. So each check is two set look-ups and memory is bounded
 * by `maxEntries` whatever the traffic (past it, ids older than the current generation are forgotten early).
 */
export class ReplayGuard {
  private current = new Set<string>();
  private previous = new Set<string>();
  private startedAt: number;

  /**
   * `windowMs`: the platform's timestamp tolerance (5 minutes for both Slack and Discord). Ids are kept twice
   * that: our clock and the platform's may each be off by the tolerance in opposite directions.
   */
  constructor(
    windowMs = 5 * 60_000,
    private readonly maxEntries = 100_000,
    private readonly now: () => number = Date.now,
    private readonly keepMs = 2 * windowMs,
  ) {
    this.startedAt = now();
  }

  /** True the first time an id is offered (within the window), false for every repeat. */
  firstTime(id: string): boolean {
    this.rotate();
    if (this.current.has(id) || this.previous.has(id)) return false;
    this.current.add(id);
    return true;
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }

  private rotate(): void {
    const age = this.now() - this.startedAt;
    if (age < this.keepMs && this.current.size < this.maxEntries / 2) return;
    // Idle for two generations: everything remembered is past the window.
    this.previous = age >= 2 * this.keepMs ? new Set() : this.current;
    this.current = new Set();
    this.startedAt = this.now();
  }
}
