/**
 * The one way anything tells an admin something by direct message — a digest schedule or alert channel that
 * stopped, a news feed failing, a refused data version. A notice is a ledger row keyed by (reason, admin), so
 * "once" holds across replicas and restarts, and it goes through the same gates and retry rule as every post
 * (the three routines before this had three different retry rules).
 */
import type { Reply } from '../core/reply.js';
import type { DeliveryEngine, DeliveryHandler, Preparation } from './engine.js';
import type { LedgerRow } from './ledger.js';

export type NotifyAdmin = (userId: string, onceKey: string, reply: Reply) => Promise<boolean>;

export class AdminNotices implements DeliveryHandler {
  readonly kind = 'notice' as const;

  constructor(private readonly engine: DeliveryEngine) {
    engine.register(this);
  }

  /**
   * Tells `userId` (platform-prefixed) once per `onceKey`; true when this call recorded the notice (false: it
   * was told already, by this or another replica). Sent in the background: the caller never waits on a platform.
   */
  readonly notifyAdmin: NotifyAdmin = async (userId, onceKey, reply) => {
    const now = this.engine.now();
    const [row] = await this.engine.offer([{ kind: 'notice', subject: onceKey, target: userId, slot: '', dueAt: now, notBefore: 0, payload: { reply } }]);
    return row !== undefined;
  };

  async prepare(rows: readonly LedgerRow[]): Promise<Preparation> {
    const reply = rows[0]!.payload.reply as Reply | undefined;
    if (!reply) return { finish: 'failed', reason: 'the notice has no message' };
    return { post: { direct: true, build: async () => ({ reply }) } };
  }
}
