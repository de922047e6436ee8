/**
 * What every page needs to know about the request's world: the data set it answers from (one immutable
 * snapshot per request, so a reload mid-request cannot mix versions), the clock, the footer facts and the
 * public address. Also the site's URL scheme, in one place.
 */
import type { DataSet } from '../data/dataset.js';
import type { Figure, SourceKind } from '../data/schema.js';
import type { Footer } from './html.js';
import type { CellLink } from './reply-html.js';

export interface PageContext {
  data: DataSet;
  now: Date;
  footer: Footer;
  /** PUBLIC_URL without a trailing slash, when set: for canonical links and link previews. */
  publicUrl?: string;
}

export const companyPath = (id: string) => `/company/${encodeURIComponent(id)}`;
export const comparePath = (ids: readonly string[]) => `/compare?c=${ids.map(encodeURIComponent).join(',')}`;
export const topChartPath = (year: number) => `/chart/top/${year}.png`;
export const companyChartPath = (id: string) => `/chart/company/${encodeURIComponent(id)}.png`;
export const compareChartPath = (ids: readonly string[]) => `/chart/compare.png?c=${ids.map(encodeURIComponent).join(',')}`;

export function absolute(ctx: Pick<PageContext, 'publicUrl'>, path: string): string | undefined {
  return ctx.publicUrl ? `${ctx.publicUrl}${path}` : undefined;
}

/** Links the "Company" column of a command's table (cells hold company names) to the company pages. */
export function companyNameLinks(data: DataSet): CellLink {
  const byName = new Map(data.companies.map((c) => [c.name, c.id]));
  return (cell, column) => {
    if (column !== 'Company') return undefined;
    const id = byName.get(cell.replace(/ ⚠$/, ''));
    return id ? companyPath(id) : undefined;
  };
}

/** The kind of page behind a source URL, from the figures that cite it (a conversion's source included). */
export function sourceKinds(figures: readonly Figure[]): (url: string) => SourceKind | undefined {
  const kinds = new Map<string, SourceKind>();
  for (const f of figures) {
    for (const s of [f.source, ...(f.alsoSources ?? []), ...(f.usd ? [f.usd.source] : [])]) {
      if (s.kind && !kinds.has(s.url)) kinds.set(s.url, s.kind);
    }
  }
  return (url) => kinds.get(url);
}

/** "12 days", "3 months", "1 year 2 months" between an ISO date (or month) and now. */
export function ageOf(iso: string, now: Date): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number | undefined];
  const then = Date.UTC(y, m - 1, d ?? 1);
  const days = Math.max(0, Math.floor((now.getTime() - then) / 86_400_000));
  if (days < 60) return `${days} day${days === 1 ? '' : 's'}`;
  const months = Math.floor(days / 30.44);
  if (months < 12) return `${months} months`;
  const years = Math.floor(months / 12);
  const rest = months % 12;
  return `${years} year${years === 1 ? '' : 's'}${rest ? ` ${rest} month${rest === 1 ? '' : 's'}` : ''}`;
}
