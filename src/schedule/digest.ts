/**
 * The digest itself, as a platform-neutral Reply: the date, the combined tracked AI capex for the year
 * (ranges stay ranges), the top spenders, what changed since this channel's previous digest (new
 * figures; revised guidance old → new), up to five news headlines the channel has not seen (from the
 * feeds in src/news, recorded per channel on delivery) and the sources. Rankings come from src/data/queries.ts, the
 * same answer `/capex top` gives, so the digest never disagrees with the commands.
 *
 * "What changed" is computed against what the previous digest in the channel knew: every delivered
 * digest stores the ids of the recent figures it saw, so a figure is reported once, even when it is
 * announced on the day of a digest or added to the data file later.
 */
import { DateTime } from 'luxon';
import type { Reply, ReplyChart, ReplySource } from '../core/reply.js';
import { chartOf } from '../present/chart.js';
import type { DataSet } from '../data/dataset.js';
import type { Figure } from '../data/schema.js';
import { formatDate, formatUsd, formatWithUsd } from '../data/money.js';
import { defaultYear, isCounted, rankYear, seriesOf } from '../data/queries.js';
import { billionsCell, definitionCell, disputeNotes, newestDate, rowBasisCell, rowQualifier, sourcesOf } from '../present/figures.js';
import { commandRef } from '../core/syntax.js';

export const TOP_SPENDERS = 5;
export const MAX_CHANGES = 10;
export const MAX_SOURCES = 12;
/** With no previous digest in a channel, "what changed" covers this many days. */
export const FIRST_DIGEST_LOOKBACK_DAYS = 7;

/** At most this many news headlines per digest (src/news supplies them; none repeats in a channel). */
export const MAX_HEADLINES = 5;

/** A news headline for the digest's "Headlines since the last digest" section. */
export interface DigestHeadline {
  id: number;
  title: string;
  link: string;
  /** The feed's name, e.g. "Reuters Technology". */
  source: string;
  /** Epoch ms the headline is dated (published, else first seen). */
  at: number;
}

/** Where the scheduler gets a channel's new headlines and records which ones a delivered digest showed. */
export interface HeadlineSource {
  /** Headlines not yet shown in the channel, since the previous digest (`since`, epoch ms) or a first-digest lookback. */
  forDigest(channelId: string, window: { since?: number; now: number }): Promise<DigestHeadline[]>;
  recordShown(channelId: string, headlineIds: number[], deliveryId: number, at: number): Promise<void>;
}

/**
 * Which figures entered the data after an instant (src/alerts records when each figure first appeared). A
 * figure added to the data file late — announced before the previous digest, so outside the date window —
 * is still news to the channel: the digest lists these under "what changed" whatever their announcement date.
 */
export interface FigureArrivals {
  since(ms: number): Promise<string[]>;
}

export interface DigestInput {
  data: DataSet;
  now: Date;
  /** The schedule's zone: the date in the title is the reader's local date. */
  zone: string;
  /** The channel's previous delivered digest, if any. */
  previous?: { deliveredAt: number; seenFigureIds: readonly string[] };
  /** Set when the slot is posted late (the bot was down at slot time). */
  late?: { dueAt: number };
  /** New news headlines for this channel (newest first); the section is left out when there are none. */
  headlines?: readonly DigestHeadline[];
  /** Figures that entered the data since the previous digest (FigureArrivals), whatever their announcement date. */
  arrivedIds?: readonly string[];
}

export interface Digest {
  reply: Reply;
  /** Recent figures this digest knew about; stored in the ledger for the next digest's "what changed". */
  seenFigureIds: string[];
  /** Ids of the news headlines shown, recorded on delivery so the channel never sees them again. */
  headlineIds: number[];
  /** The year's ranking as `/capex top` charts it; sent as an image where the schedule's chart switch is on. */
  topChart?: ReplyChart;
}

export interface Change {
  figure: Figure;
  /** The figure it revises (same series, announced earlier), when there is one. */
  previous?: Figure;
}

/** Is a figure's announcement ("2025-03-04" or month-only "2025-03") on or after `date` ("YYYY-MM-DD")? */
function announcedOnOrAfter(announced: string, date: string): boolean {
  return announced.length === 7 ? announced >= date.slice(0, 7) : announced >= date;
}

/**
 * Figures announced since the window start (or that entered the data since the previous digest: `arrived`)
 * that the previous digest did not know, oldest first.
 */
export function changesSince(
  data: DataSet,
  windowStart: string,
  seen: ReadonlySet<string>,
  arrived: ReadonlySet<string> = new Set(),
): { changes: Change[]; recentIds: string[] } {
  const recent = data.figures.filter((f) => isCounted(f) && (announcedOnOrAfter(f.announced, windowStart) || arrived.has(f.id)));
  const changes = recent
    .filter((f) => !seen.has(f.id))
    .sort((a, b) => a.announced.localeCompare(b.announced) || a.id.localeCompare(b.id))
    .map((figure) => {
      const earlier = seriesOf(data, figure).filter((f) => isCounted(f) && f.id !== figure.id && f.announced <= figure.announced);
      return { figure, previous: earlier.at(-1) };
    });
  return { changes, recentIds: recent.map((f) => f.id).sort() };
}

function describeChange(change: Change, data: DataSet): string {
  const { figure, previous } = change;
  const company = data.company(figure.company)?.name ?? figure.company;
  const when = formatDate(figure.announced);
  if (previous) {
    return `${company}, ${figure.label} (${figure.period.label}): revised ${formatWithUsd(previous, data)} → ${formatWithUsd(figure, data)} (${when})`;
  }
  return `${company}, ${figure.label} (${figure.period.label}): ${formatWithUsd(figure, data)} — new (${when})`;
}

export function buildDigest(input: DigestInput): Digest {
  const { data, now, zone } = input;
  const local = DateTime.fromJSDate(now, { zone });
  const dateWords = local.toFormat('cccc d LLLL yyyy');
  const year = defaultYear(data, now);
  const ranking = rankYear(data, year);
  const top = ranking.annual.slice(0, TOP_SPENDERS);

  const windowStart = input.previous
    ? DateTime.fromMillis(input.previous.deliveredAt, { zone }).toISODate()!
    : local.minus({ days: FIRST_DIGEST_LOOKBACK_DAYS }).toISODate()!;
  const { changes, recentIds } = changesSince(data, windowStart, new Set(input.previous?.seenFigureIds ?? []), new Set(input.arrivedIds ?? []));

  const lines: string[] = [];
  if (ranking.annual.length > 0) {
    lines.push(
      `Combined tracked AI capex for ${year}: ${formatUsd(ranking.total, true)} across ${ranking.annual.length} companies (calendar year; reported where available, else the latest guidance; pledges and estimates never counted).`,
    );
  } else {
    lines.push(`No annual capex figures are tracked for ${year} yet.`);
  }

  const since = input.previous ? `since the previous digest (${formatDate(windowStart)})` : `in the past ${FIRST_DIGEST_LOOKBACK_DAYS} days`;
  if (changes.length === 0) {
    lines.push(`No new or revised figures ${since}.`);
  } else {
    lines.push(`What changed ${since}:`);
    for (const change of changes.slice(0, MAX_CHANGES)) lines.push(`• ${describeChange(change, data)}`);
    if (changes.length > MAX_CHANGES) lines.push(`• …and ${changes.length - MAX_CHANGES} more: ${commandRef('/capex sources <company>')} lists every figure.`);
  }

  const headlines = (input.headlines ?? []).slice(0, MAX_HEADLINES);
  if (headlines.length > 0) {
    lines.push(input.previous ? 'Headlines since the last digest:' : `Headlines from the past ${FIRST_DIGEST_LOOKBACK_DAYS} days:`);
    for (const h of headlines) lines.push(`• ${h.title} — ${h.source}, ${DateTime.fromMillis(h.at, { zone }).toFormat('d LLL yyyy')}`);
  }

  const changedFigures = changes.slice(0, MAX_CHANGES).flatMap((c) => (c.previous ? [c.figure, c.previous] : [c.figure]));
  const topFigures = top.flatMap((e) => e.figures);
  const notes: string[] = [];
  if (input.late) {
    const due = DateTime.fromMillis(input.late.dueAt, { zone }).toFormat('ccc d LLL HH:mm');
    notes.push(`Posted late: this digest was due at ${due} (${zone}) while the bot was offline.`);
  }
  if (top.some((e) => e.disputed)) notes.push('⚠ = sources disagree on the same definition; the range spans the disagreeing values.');
  // How a calendar year was obtained, when a company states none (Microsoft: four reported quarters).
  notes.push(...top.filter((e) => e.derivation).map((e) => `${e.company.name}: ${e.derivation!.text}.`));
  notes.push(...disputeNotes([...topFigures, ...changedFigures], data).slice(0, 4));

  const sources: ReplySource[] = [
    ...sourcesOf([...changedFigures, ...topFigures]).slice(0, MAX_SOURCES),
    ...headlines.map((h) => ({ title: h.title, url: h.link, date: DateTime.fromMillis(h.at, { zone }).toISODate()! })),
  ];
  const reply: Reply = {
    kind: 'answer',
    visibility: 'public',
    title: `AI capex digest — ${dateWords}`,
    lines,
    ...(top.length > 0 && {
      table: {
        columns: ['#', 'Top spenders', `US$B ${year}`, 'Basis'],
        numericColumns: [0, 2],
        rows: top.map((e, i) => [
          String(i + 1),
          e.company.name,
          billionsCell(e.usdPerYear, e.disputed, rowQualifier(e)),
          `${rowBasisCell(e)}, ${definitionCell(e)}`,
        ]),
      },
    }),
    notes,
    sources,
    asOf: newestDate([...topFigures, ...changedFigures]),
    summary:
      `AI capex digest ${local.toISODate()}: ${year} total ${formatUsd(ranking.total, true)}` +
      (changes.length ? `; ${changes.length} new or revised figure${changes.length === 1 ? '' : 's'}.` : '; no changes.') +
      (headlines.length ? ` ${headlines.length} headline${headlines.length === 1 ? '' : 's'}.` : ''),
  };
  const topChart = ranking.annual.length > 0 ? chartOf(`AI capex ${year}, US$ billion per year`, ranking.annual) : undefined;
  return { reply, seenFigureIds: recentIds, headlineIds: headlines.map((h) => h.id), ...(topChart && { topChart }) };
}
