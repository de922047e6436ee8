/**
 * Colours of the chart images. One company keeps one colour in every chart (keyed by company id, never
 * by position), so a reader who learnt "Meta is violet" in /compare finds it violet in /capex top too.
 *
 * Every company colour is dark or saturated enough to stand out on the white card the charts are drawn
 * on (see theme.ts): the card, not the chat theme, is the background they must contrast with.
 */

/** Fixed colours for the companies the data set tracks. Neighbours in a typical ranking differ in hue. */
const COMPANY_COLOURS: Readonly<Record<string, string>> = {
  microsoft: '#1f6fd1', // blue
  alphabet: '#1e8e3e', // green
  amazon: '#e8710a', // orange
  meta: '#7b3fe4', // violet
  oracle: '#c5221f', // red
  apple: '#607d8b', // blue-grey
  tesla: '#8e244d', // maroon
  alibaba: '#b06000', // amber-brown
  tencent: '#0097a7', // teal
  baidu: '#3949ab', // indigo
  bytedance: '#d81b60', // pink
  openai: '#212121', // near black
  anthropic: '#c96442', // clay
  xai: '#6d4c41', // brown
  softbank: '#9e9d24', // olive
  coreweave: '#00838f', // dark cyan
  nebius: '#689f38', // light green
  stargate: '#ad1457', // deep pink
};

/** Colours for companies added to the data later: picked by a hash of the id, so still stable. */
const FALLBACK_COLOURS = ['#5c6bc0', '#26a69a', '#ef6c00', '#8d6e63', '#ec407a', '#7e57c2', '#43a047', '#f4511e', '#546e7a', '#00acc1'];

/** FNV-1a: a tiny stable string hash (the same id gives the same colour in every process and release). */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The company's colour as `#rrggbb`. */
export function companyColour(key: string): string {
  return COMPANY_COLOURS[key] ?? FALLBACK_COLOURS[hash(key) % FALLBACK_COLOURS.length]!;
}

function channels(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function toHex([r, g, b]: [number, number, number]): string {
  return `#${[r, g, b].map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`;
}

/**
 * The colour mixed with white: `amount` 0 is the colour, 1 is white. Used for the uncertain part of a
 * range, drawn opaque (not with alpha) so it looks the same whatever is behind the image.
 */
export function tint(hex: string, amount: number): string {
  const [r, g, b] = channels(hex);
  return toHex([r + (255 - r) * amount, g + (255 - g) * amount, b + (255 - b) * amount]);
}

/** The colour mixed with black: `amount` 0 is the colour, 1 is black. */
export function shade(hex: string, amount: number): string {
  const [r, g, b] = channels(hex);
  return toHex([r * (1 - amount), g * (1 - amount), b * (1 - amount)]);
}
