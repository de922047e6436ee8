/**
 * What changed between two versions of the data: new figures and revised guidance (same company, metric and
 * period, different amount or range). Revision alerts and the digest's "what changed" section read this.
 */
import type { DataSet } from './dataset.js';
import type { Figure } from './schema.js';
import { midpoint, rangeOf } from './money.js';
import { isCounted, seriesKey } from './queries.js';

export interface DataChange {
  kind: 'added' | 'revised';
  figure: Figure;
  /** The figure it revises: the newest earlier figure of the same series. */
  previous?: Figure;
  /** Midpoint change vs `previous`, in percent. */
  changePct?: number;
}

/** Changes in `next` that `previous` did not have; weak figures are never news. */
export function diffDataSets(previous: DataSet, next: DataSet): DataChange[] {
  const known = new Set(previous.figures.map((f) => f.id));
  const changes: DataChange[] = [];
  for (const figure of next.figures) {
    if (known.has(figure.id) || !isCounted(figure)) continue;
    const key = seriesKey(figure);
    const earlier = next
      .figuresOf(figure.company)
      .filter((f) => f !== figure && isCounted(f) && seriesKey(f) === key && f.announced <= figure.announced && known.has(f.id))
      .at(-1);
    const same = earlier && JSON.stringify(rangeOf(earlier)) === JSON.stringify(rangeOf(figure));
    if (earlier && !same) {
      changes.push({ kind: 'revised', figure, previous: earlier, changePct: (midpoint(rangeOf(figure)) / midpoint(rangeOf(earlier)) - 1) * 100 });
    } else {
      changes.push({ kind: 'added', figure });
    }
  }
  return changes;
}
