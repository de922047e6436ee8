import { describe, expect, it, vi } from 'vitest';
import { ChartDataError, chartRenderStats, encodeChart, MAX_CONCURRENT_RENDERS, renderChartPng, renderChartSafely, sourceLine } from '../../src/charts/render.js';
import { companyColour } from '../../src/charts/palette.js';
import { THEME } from '../../src/charts/theme.js';
import type { ReplyChart } from '../../src/core/reply.js';
import { ask } from '../helpers/core.js';
import { alphaValues, colourCounts, column, decodePng, differingShare, luminance, pixel, PNG_SIGNATURE, row, runs, saturation, type Image } from '../helpers/png.js';

async function chartOf(line: string): Promise<{ chart: ReplyChart; asOf?: string }> {
  const { reply } = await ask(line);
  expect(reply.chart, `${line} has a chart`).toBeDefined();
  return { chart: reply.chart!, asOf: reply.asOf };
}

async function imageOf(line: string): Promise<Image> {
  const { chart, asOf } = await chartOf(line);
  const png = await renderChartPng(chart, { asOf });
  expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
  return decodePng(png);
}

/**
 * The bars as a person sees them: runs of one colour down a column a third of the way across the image that
 * are also wide (the same colour 8 px to either side), unlike text stems, and are not the card.
 */
function barRuns(img: Image, minHeight = 20) {
  const x = Math.round(img.width * 0.3);
  return runs(column(img, x), minHeight).filter((r) => {
    const y = r.start + Math.floor(r.length / 2);
    return r.colour !== THEME.card && pixel(img, x - 8, y) === r.colour && pixel(img, x + 8, y) === r.colour;
  });
}

const barColoursTopToBottom = (img: Image, minHeight = 20) => barRuns(img, minHeight).map((r) => r.colour);
const barRowCentres = (img: Image) => barRuns(img).map((r) => r.start + Math.floor(r.length / 2));

describe('bar charts (/compare, /capex top)', () => {
  it('GIVEN /compare meta amazon THEN a 900×500 chart (1×: see theme.ts), opaque, and far from blank', async () => {
    const img = await imageOf('/compare meta amazon');
    expect([img.width, img.height]).toEqual([900, 500]);
    // Opaque everywhere: the image looks the same on Slack's/Discord's light and dark themes.
    expect([...alphaValues(img)]).toEqual([255]);
    expect(pixel(img, 3, 3)).toBe(THEME.card);
    const counts = colourCounts(img);
    expect(counts.size).toBeGreaterThan(200); // text anti-aliasing, bars, tints, grid
    const coloured = [...counts].filter(([c]) => saturation(c) > 0.25).reduce((n, [, k]) => n + k, 0);
    expect(coloured / (img.width * img.height)).toBeGreaterThan(0.1);
    expect(barColoursTopToBottom(img)).toHaveLength(2);
  });

  it('GIVEN the same company in two charts THEN its bar has the same colour, wherever it is placed', async () => {
    const [metaFirst, amazonFirst, top] = await Promise.all([imageOf('/compare meta amazon'), imageOf('/compare amazon meta'), imageOf('/capex top')]);
    const [meta, amazon] = barColoursTopToBottom(metaFirst);
    expect(meta).not.toBe(amazon);
    expect(barColoursTopToBottom(amazonFirst)).toEqual([amazon, meta]);
    const topColours = barColoursTopToBottom(top);
    expect(topColours).toContain(meta);
    expect(topColours).toContain(amazon);
    expect(new Set(topColours).size).toBe(topColours.length); // no two companies share a colour
    // And it is the palette's colour for that company id, not one picked by position.
    expect(meta).toBe(companyColour('meta'));
  });

  it('GIVEN a range THEN the bar is solid to the low end and a lighter tint of the same colour to the high end', async () => {
    const { chart, asOf } = await chartOf('/compare meta amazon');
    const rangeIndex = chart.bars.findIndex((b) => b.high > b.low);
    const singleIndex = chart.bars.findIndex((b) => b.high === b.low);
    expect(rangeIndex).toBeGreaterThanOrEqual(0);
    expect(singleIndex).toBeGreaterThanOrEqual(0);
    const img = decodePng(await renderChartPng(chart, { asOf }));
    const centres = barRowCentres(img);
    const colouredRuns = (y: number) => runs(row(img, y), 10).filter((r) => saturation(r.colour) > 0.1);

    const ranged = colouredRuns(centres[rangeIndex]!);
    expect(ranged).toHaveLength(2);
    const [solid, light] = ranged;
    expect(light!.start).toBeGreaterThan(solid!.start);
    expect(luminance(light!.colour)).toBeGreaterThan(luminance(solid!.colour) + 40);
    // Lengths follow the values: the solid part is low/high of the whole bar.
    const bar = chart.bars[rangeIndex]!;
    expect(solid!.length / (solid!.length + light!.length)).toBeCloseTo(bar.low / bar.high, 1);

    expect(colouredRuns(centres[singleIndex]!)).toHaveLength(1);
  });

  it('GIVEN different inputs THEN different images; the same input drawn twice THEN the same pixels', async () => {
    const [a, b] = await Promise.all([imageOf('/compare meta amazon'), imageOf('/compare meta alphabet')]);
    expect(differingShare(a, b)).toBeGreaterThan(0.01);
    const { chart, asOf } = await chartOf('/compare meta amazon');
    // encodeChart bypasses the cache: two real renderings.
    const [x, y] = await Promise.all([encodeChart(chart, { asOf }), encodeChart(chart, { asOf })]);
    expect(x).not.toBe(y);
    expect(differingShare(decodePng(x), decodePng(y))).toBe(0);
  });

  it('GIVEN many identical requests at once (a digest fan-out) THEN one rendering serves them all', async () => {
    const { chart } = await chartOf('/capex top 2025');
    const before = chartRenderStats();
    const images = await Promise.all(Array.from({ length: 20 }, () => renderChartPng(chart, { asOf: '2031-01-01' })));
    const after = chartRenderStats();
    expect(after.rendered - before.rendered).toBe(1);
    expect(after.reused - before.reused).toBe(19);
    expect(new Set(images).size).toBe(1);
  });

  it('GIVEN many different requests at once THEN at most MAX_CONCURRENT_RENDERS draw at a time and all finish', async () => {
    const { chart } = await chartOf('/compare meta amazon');
    const images = await Promise.all(Array.from({ length: 6 }, (_, i) => renderChartPng(chart, { asOf: `2032-01-0${i + 1}` })));
    expect(images.every((png) => decodePng(png).width === 900)).toBe(true);
    expect(chartRenderStats().peakConcurrent).toBe(MAX_CONCURRENT_RENDERS);
  });

  it('GIVEN another as-of date THEN only the source line at the bottom changes', async () => {
    const { chart } = await chartOf('/compare meta amazon');
    const [a, b] = await Promise.all([renderChartPng(chart, { asOf: '2026-04-29' }), renderChartPng(chart, { asOf: '2025-01-02' })]).then((p) => p.map(decodePng));
    const changedRows = new Set<number>();
    for (let y = 0; y < a!.height; y++) for (let x = 0; x < a!.width; x++) if (pixel(a!, x, y) !== pixel(b!, x, y)) changedRows.add(y);
    expect(changedRows.size).toBeGreaterThan(0);
    expect(Math.min(...changedRows)).toBeGreaterThan(a!.height - 80);
    expect(sourceLine('2026-04-29')).toBe('Source: capex-bot data, as of 29 Apr 2026');
  });

  it('GIVEN scale 2 THEN 1800×1000; GIVEN many bars THEN the image grows taller so bars stay readable', async () => {
    const { chart } = await chartOf('/compare meta amazon');
    expect(decodePng(await renderChartPng(chart, { scale: 2 }))).toMatchObject({ width: 1800, height: 1000 });
    const many: ReplyChart = { title: 'Many', unit: 'US$ billion per year', bars: Array.from({ length: 20 }, (_, i) => ({ label: `Company ${i}`, key: `c${i}`, low: 10 + i, high: 12 + i })) };
    const img = decodePng(await renderChartPng(many, { scale: 1 }));
    expect(img.height).toBeGreaterThan(500);
    // Every bar at least 14 px tall at 1×.
    expect(barColoursTopToBottom(img, 14)).toHaveLength(20);
  });
});

describe('timeline (/capex <company>)', () => {
  it('GIVEN /capex meta THEN a chart of guidance and reported capex in Meta’s colour, differing from Alphabet’s', async () => {
    const [meta, alphabet] = await Promise.all([imageOf('/capex meta'), imageOf('/capex alphabet')]);
    expect([meta.width, meta.height]).toEqual([900, 500]);
    expect([...alphaValues(meta)]).toEqual([255]);
    const counts = colourCounts(meta);
    expect(counts.size).toBeGreaterThan(200);
    // The newest period is drawn in the company's own colour: the same violet as Meta's bar in /compare.
    expect(counts.get(companyColour('meta')) ?? 0).toBeGreaterThan(125); // 500 at 2×: the same area in 1/4 of the pixels
    expect(colourCounts(alphabet).get(companyColour('meta')) ?? 0).toBe(0);
    expect(differingShare(meta, alphabet)).toBeGreaterThan(0.01);
  });
});

describe('failures never cost the text answer', () => {
  it('GIVEN a chart with nothing to draw THEN renderChartPng refuses with ChartDataError', async () => {
    await expect(renderChartPng({ title: 'Empty', unit: 'US$B', bars: [] })).rejects.toBeInstanceOf(ChartDataError);
    await expect(renderChartPng({ kind: 'timeline', title: 'Empty', unit: 'US$B', bars: [], series: [] })).rejects.toBeInstanceOf(ChartDataError);
  });

  it('GIVEN a value that is not a number THEN renderChartSafely logs a warning and returns no image', async () => {
    const warn = vi.fn();
    const png = await renderChartSafely({ title: 'Broken', unit: 'US$B', bars: [{ label: 'X', key: 'x', low: Number.NaN, high: 3 }] }, {}, { warn });
    expect(png).toBeUndefined();
    expect(warn).toHaveBeenCalledOnce();
    expect(await renderChartSafely(undefined, {}, { warn })).toBeUndefined();
  });
});
