/** The plain-text renderer: a reply as the console (and the one-shot CLI) prints it. */
import { derivedOncePerFrozen, type Reply } from '../../core/reply.js';
import { layoutBars, layoutTable } from '../../core/text-layout.js';
import { formatDate } from '../../data/money.js';

/**
 * Frozen replies (the core's per-data-set answers) are laid out once: the same frozen object always gives the
 * same text, so a busy `/capex top` skips its 30-row table and bars (≈ 65 µs and 14 kB of garbage per call,
 * issue 18). Keyed by the reply object, so a reload, which builds new answers, gets new text, and the old
 * text goes with the old answers.
 */
export const renderPlain: (reply: Reply) => string = derivedOncePerFrozen(layoutPlain);

function layoutPlain(reply: Reply): string {
  const out: string[] = [];
  out.push(reply.kind === 'error' ? `✗ ${reply.lines.join('\n  ')}` : reply.title);
  if (reply.kind !== 'error') {
    out.push('═'.repeat(Math.min(reply.title.length, 72)));
    out.push(...reply.lines);
  }
  if (reply.fields?.length) {
    const width = Math.max(...reply.fields.map((f) => f.label.length));
    out.push('', ...reply.fields.map((f) => `${f.label.padEnd(width)}  ${f.value}`));
  }
  if (reply.table) out.push('', layoutTable(reply.table));
  if (reply.chart?.bars.length) out.push('', `${reply.chart.title}`, layoutBars(reply.chart));
  if (reply.notes?.length) out.push('', ...reply.notes.map((n) => `• ${n}`));
  if (reply.sources?.length) {
    out.push('', `Sources${reply.asOf ? ` (as of ${formatDate(reply.asOf)})` : ''}:`);
    out.push(...reply.sources.map((s, i) => `[${i + 1}] ${s.title}${s.date ? ` (${formatDate(s.date)})` : ''}\n    ${s.url}`));
  }
  if (reply.link) out.push('', `${reply.link.label}: ${reply.link.url}`);
  return out.join('\n');
}
