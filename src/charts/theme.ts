/**
 * Look of every chart image. Slack and Discord each have a light and a dark theme, and a PNG cannot know
 * which one it lands on. A transparent image would need text that reads on both white and near-black
 * (#1a1d21 Slack, #313338 Discord): dark text vanishes on one, light text on the other, and mid-grey is
 * weak on both. So every chart is drawn on an opaque light card with dark text — its contrast is then
 * fixed (text ≈ 15:1, secondary text ≈ 6:1 on the card) and independent of the viewer's theme, the same
 * way a photo looks the same in both themes. The card is off-white, not pure white, so it glares less in
 * dark mode; a thin border separates it from Slack's white light theme.
 */
export const THEME = {
  card: '#f7f8fa',
  border: '#d5d8dc',
  text: '#1d1c1d',
  muted: '#50555c',
  grid: '#e1e4e8',
  axis: '#9aa0a6',
} as const;

/**
 * Logical size in CSS pixels, rendered at `scale`× device pixels. Slack and Discord show a chart in the
 * message well under 900 CSS px wide (a 480 px wide preview), so 900×500 is already about 2× that on a
 * high-density screen: downscaled to 480 px it is indistinguishable from the 1800×1000 image, at 960 px it is
 * marginally softer (compared side by side, BENCHMARKS.md). 2× cost four times the pixels to draw and
 * compress (p99 214 ms vs the 50 ms budget) for a difference seen only in the full-size viewer.
 */
export const CHART_SIZE = { width: 900, height: 500, scale: 1 } as const;

/** Horizontal bar charts grow taller past this many bars so each bar keeps a readable height. */
export const BARS_BEFORE_GROWING = 12;
export const PIXELS_PER_EXTRA_BAR = 30;

/** The value axis (US$B and friends) looks the same on every chart: titled with the unit, light grid, muted ticks. */
export function valueAxisLook(unit: string) {
  return {
    title: { display: true, text: unit, color: THEME.muted, font: { size: 13, weight: 600 } },
    grid: { color: THEME.grid },
    border: { color: THEME.axis },
    ticks: { color: THEME.muted, font: { size: 12 } },
  };
}
