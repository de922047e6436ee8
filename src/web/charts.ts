/**
 * Chart images for the pages, drawn by the renderer the chat uses (src/charts) from the chart of the same
 * command answer the page shows. An image depends only on the data version, the answer and the year (the
 * commands' default year), so:
 * - its ETag is a hash of those, known before anything is drawn: a revalidation with a matching
 *   If-None-Match is answered 304 without rendering;
 * - the PNG is kept per data set (a reload builds a new set, so old images are dropped with it).
 */
import { createHash } from 'node:crypto';
import { renderChartPng } from '../charts/render.js';
import type { ReplyChart } from '../core/reply.js';
import type { DataSet } from '../data/dataset.js';

/** Distinct images kept per data version: the ranking years, the companies and some comparisons. */
export const MAX_CACHED_IMAGES = 128;

export interface ChartSource {
  chart?: ReplyChart;
  asOf?: string;
}

export class ChartImages {
  private readonly images = new WeakMap<DataSet, Map<string, Promise<Buffer>>>();

  /** A strong ETag for the image `key` of this data version in this year. */
  etag(data: DataSet, key: string, now: Date): string {
    const hash = createHash('sha256').update(`${data.version}\n${now.getUTCFullYear()}\n${key}`).digest('base64url').slice(0, 27);
    return `"${hash}"`;
  }

  /** The PNG, drawn once per data set and key; undefined when the answer has no chart. */
  async png(data: DataSet, key: string, source: () => Promise<ChartSource | undefined>): Promise<Buffer | undefined> {
    const cache = this.images.get(data) ?? this.images.set(data, new Map()).get(data)!;
    const hit = cache.get(key);
    if (hit) return hit;
    const answer = await source();
    if (!answer?.chart) return undefined;
    const image = renderChartPng(answer.chart, { asOf: answer.asOf });
    if (cache.size >= MAX_CACHED_IMAGES) cache.delete(cache.keys().next().value!);
    cache.set(key, image);
    // A failed rendering is not kept: the next request tries again.
    image.catch(() => cache.delete(key));
    return image;
  }
}

/** True when the request's If-None-Match names `etag` (or is `*`). */
export function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === etag || tag === '*';
  });
}
