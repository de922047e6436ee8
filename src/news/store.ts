/** The news store's types; the store itself lives in src/store/news.ts (reached as `store.news`). */
export type { FeedAudit, FeedHealth, FeedRecord, NewItem, NewsItem, NewsStore } from '../store/news.js';
