/**
 * `npm run bench:proposals`: the capex extractor on an earnings release the size EDGAR serves (~190 KB of HTML,
 * 1,500 paragraphs, the outlook near the end) — HTML to text, then extraction with the keyword windows it uses
 * against segmenting the whole document — and its precision and recall on the fixture set
 * (test/proposals/fixtures/sentences.ts). Both ratios come from one run; the machine is shared and noisy.
 */
import { loadavg } from 'node:os';
import { extractStatements, sentencesOf } from '../src/proposals/extract.js';
import { exhibitText } from '../src/sec/filings.js';
import { pressRelease } from '../test/proposals/edgar-server.js';
import { HELD_OUT } from '../test/proposals/fixtures/held-out.js';
import { scoreExtractor } from '../test/proposals/fixtures/score.js';
import { COMPANIES } from '../test/proposals/fixtures/sentences.js';

const RUNS = 20;
const filler = 'Revenue was $51.24 billion, an increase of 26% year-over-year, and costs and expenses were $30.71 billion.';
const outlook = 'We anticipate our full-year 2026 capital expenditures, including principal payments on finance leases, to be in the range of $141-157 billion.';
const html = pressRelease('Meta', Array.from({ length: 1500 }, (_, i) => (i === 1400 ? outlook : filler)));
const meta = COMPANIES.find((c) => c.id === 'meta')!;

const time = (fn: () => unknown, runs: number) => {
  const t = performance.now();
  for (let i = 0; i < runs; i++) fn();
  return (performance.now() - t) / runs;
};

const text = exhibitText(html);
const toText = time(() => exhibitText(html), RUNS);
const windowed = time(() => extractStatements(text, { date: '2026-10-29', companies: COMPANIES, subject: meta }), RUNS);
const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });
const wholeDocument = time(() => [...segmenter.segment(text)].length, 3);
const found = extractStatements(text, { date: '2026-10-29', companies: COMPANIES, subject: meta });

const t = performance.now();
const score = scoreExtractor();
const fixtureMs = performance.now() - t;
const heldOut = scoreExtractor(HELD_OUT);

console.log(
  [
    `earnings release: ${Math.round(html.length / 1024)} KB HTML → ${Math.round(text.length / 1024)} KB text in ${toText.toFixed(1)} ms; ${sentencesOf(text).length} sentence(s) near a capex keyword`,
    `extraction (keyword windows): ${windowed.toFixed(1)} ms per document, ${found.length} statement(s); segmenting the whole document alone: ${wholeDocument.toFixed(0)} ms (${(wholeDocument / windowed).toFixed(0)}× the windowed extraction)`,
    `fixture set: ${score.sentences} sentences, ${score.expected} expected, ${score.proposed} proposed, ${score.correct} correct — precision ${(100 * score.precision).toFixed(1)} %, recall ${(100 * score.recall).toFixed(1)} % (${(fixtureMs / score.sentences).toFixed(2)} ms per sentence, first pass)`,
    `held-out set (never tuned on): ${heldOut.sentences} sentences, ${heldOut.expected} expected, ${heldOut.proposed} proposed, ${heldOut.correct} correct — precision ${(100 * heldOut.precision).toFixed(1)} %, recall ${(100 * heldOut.recall).toFixed(1)} %`,
    `load average ${loadavg()[0]!.toFixed(2)}`,
  ].join('\n'),
);
