/**
 * The charts' typeface, loaded from the @fontsource/inter npm package rather than the host's fonts, so an
 * image looks the same on a developer's laptop, in CI and in a slim container that has no fonts at all.
 * Glyphs Inter lacks (e.g. CJK) fall back to whatever the host has.
 */
import { createRequire } from 'node:module';
import { GlobalFonts } from '@napi-rs/canvas';

/** A private family name, so a system-installed "Inter" of another version can never be picked instead. */
export const CHART_FONT_FAMILY = 'CapexChartInter';
export const CHART_FONT_STACK = `${CHART_FONT_FAMILY}, "DejaVu Sans", "Noto Sans", sans-serif`;

const FILES = ['latin', 'latin-ext'].flatMap((subset) => [400, 600, 700].map((weight) => `@fontsource/inter/files/inter-${subset}-${weight}-normal.woff2`));

let registered = false;

/** Registers the font files once per process; returns false (and the host's fonts are used) when one fails. */
export function ensureChartFonts(): boolean {
  if (registered) return true;
  const require = createRequire(import.meta.url);
  let ok = true;
  for (const file of FILES) {
    try {
      if (!GlobalFonts.registerFromPath(require.resolve(file), CHART_FONT_FAMILY)) ok = false;
    } catch {
      ok = false;
    }
  }
  registered = true;
  return ok;
}
