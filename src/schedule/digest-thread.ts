/**
 * A digest as a parent post plus its thread (issue 14): the channel sees one short post — the title, the combined
 * total, the top three, what changed in one line — and the full tables, headlines and notes, then the sources, go
 * into its thread. Derived from the one digest `buildDigest` makes, so both forms say the same thing.
 */
import type { Reply } from '../core/reply.js';

export interface ThreadedDigest {
  parent: Reply;
  thread: Reply[];
}

export function splitDigest(digest: Reply): ThreadedDigest {
  const [total, ...rest] = digest.lines;
  const changedAt = rest.findIndex((l) => l.startsWith('What changed'));
  const changeLine = changedAt >= 0 ? oneLineChanges(rest, changedAt) : rest.find((l) => l.startsWith('No new or revised'));
  const table = digest.table;
  const topThree = table?.rows.length
    ? `Top three (${table.columns[2] ?? 'US$B'}): ${table.rows.slice(0, 3).map((r) => `${r[1]} ${r[2]}`).join(' · ')}.`
    : undefined;
  const late = (digest.notes ?? []).filter((n) => n.startsWith('Posted late'));
  const parent: Reply = {
    kind: digest.kind,
    visibility: digest.visibility,
    title: digest.title,
    lines: [total, topThree, changeLine, 'The full tables, headlines and sources are in the thread.'].filter((l): l is string => Boolean(l)),
    ...(late.length ? { notes: late } : {}),
    ...(digest.chart ? { chart: digest.chart } : {}),
    ...(digest.asOf ? { asOf: digest.asOf } : {}),
    summary: digest.summary,
  };
  const thread: Reply[] = [
    {
      kind: 'answer',
      visibility: digest.visibility,
      title: 'Top spenders and what changed',
      lines: digest.lines,
      ...(table ? { table } : {}),
      ...(digest.notes?.length ? { notes: digest.notes } : {}),
      ...(digest.asOf ? { asOf: digest.asOf } : {}),
      summary: `Details: ${digest.summary}`,
    },
  ];
  if (digest.sources?.length) {
    thread.push({
      kind: 'answer',
      visibility: digest.visibility,
      title: 'Sources',
      lines: [`${digest.sources.length} source${digest.sources.length === 1 ? '' : 's'} behind the figures and headlines above.`],
      sources: digest.sources,
      ...(digest.asOf ? { asOf: digest.asOf } : {}),
      summary: `Sources of ${digest.title}`,
    });
  }
  return { parent, thread };
}

/** "What changed since …: <first change> (+N more in the thread)". */
function oneLineChanges(lines: readonly string[], at: number): string {
  const bullets: string[] = [];
  for (const line of lines.slice(at + 1)) {
    if (!line.startsWith('• ')) break;
    bullets.push(line.slice(2));
  }
  const head = lines[at]!.replace(/:$/, '');
  if (bullets.length === 0) return `${head}.`;
  const more = bullets.length - 1 - (bullets.at(-1)!.startsWith('…and') ? 1 : 0);
  return `${head}: ${bullets[0]}${more > 0 ? ` (+${more} more in the thread)` : ''}`;
}
