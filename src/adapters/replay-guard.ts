/**
 * Ids already handled (Discord interaction ids, Slack trigger_ids and event_ids), each kept for a window after
 * which the platform's signed timestamp check refuses a replay on its own, so memory is bounded by the traffic
 * of that window — and by `maxEntries` whatever the traffic: past it the oldest id is forgotten early.
 */
export class ReplayGuard {
  /** id → when it may be forgotten (ms). A Map iterates in insertion order, so the oldest come first. */
  private readonly seen = new Map<string, number>();

  /** `windowMs`: the platform's timestamp tolerance (5 minutes for both Slack and Discord). */
  constructor(
    private readonly windowMs = 5 * 60_000,
    private readonly maxEntries = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** True the first time an id is offered (within the window), false for every repeat. */
  firstTime(id: string): boolean {
    const now = this.now();
    for (const [old, forgetAt] of this.seen) {
      if (forgetAt > now && this.seen.size < this.maxEntries) break;
      this.seen.delete(old);
    }
    if (this.seen.has(id)) return false;
    // Twice the window: our clock and the platform's may each be off by the tolerance in opposite directions.
    this.seen.set(id, now + 2 * this.windowMs);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }
}
