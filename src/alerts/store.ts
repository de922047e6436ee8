/** The alert store's types; the store itself lives in src/store/alerts.ts (reached as `store.alerts`). */
export type {
  ActorRef,
  AlertClaim,
  AlertDelivery,
  AlertDeliveryStatus,
  AlertStatus,
  AlertStore,
  AlertSubscription,
} from '../store/alerts.js';
