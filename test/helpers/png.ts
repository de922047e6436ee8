/** Reading rendered PNGs in tests: decode, and look at pixels the way a person scanning the image would. */
import { PNG } from 'pngjs';

export interface Image {
  width: number;
  height: number;
  data: Buffer;
}

/** Decodes PNG bytes; throws if they are not a valid PNG (signature, chunks, CRCs, zlib). */
export function decodePng(bytes: Buffer | Uint8Array): Image {
  const png = PNG.sync.read(Buffer.from(bytes));
  return { width: png.width, height: png.height, data: png.data };
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function pixel(img: Image, x: number, y: number): string {
  const i = (Math.round(y) * img.width + Math.round(x)) * 4;
  return `#${[img.data[i]!, img.data[i + 1]!, img.data[i + 2]!].map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

export function alphaValues(img: Image): Set<number> {
  const out = new Set<number>();
  for (let i = 3; i < img.data.length; i += 4) out.add(img.data[i]!);
  return out;
}

/** How many pixels of each colour (`#rrggbb`). */
export function colourCounts(img: Image): Map<string, number> {
  const counts = new Map<string, number>();
  for (let y = 0; y < img.height; y++) for (let x = 0; x < img.width; x++) {
    const c = pixel(img, x, y);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  return counts;
}

/** 0–1: how "coloured" a pixel is (max − min channel): bars are saturated, the card, text and grid are not. */
export function saturation(hex: string): number {
  const n = Number.parseInt(hex.slice(1), 16);
  const c = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  return (Math.max(...c) - Math.min(...c)) / 255;
}

export function luminance(hex: string): number {
  const n = Number.parseInt(hex.slice(1), 16);
  return 0.2126 * ((n >> 16) & 255) + 0.7152 * ((n >> 8) & 255) + 0.0722 * (n & 255);
}

/** Runs of one colour along a line of pixels, ignoring runs shorter than `minLength` (anti-aliased edges). */
export function runs(colours: string[], minLength: number): { colour: string; start: number; length: number }[] {
  const out: { colour: string; start: number; length: number }[] = [];
  let start = 0;
  for (let i = 1; i <= colours.length; i++) {
    if (i === colours.length || colours[i] !== colours[start]) {
      if (i - start >= minLength) out.push({ colour: colours[start]!, start, length: i - start });
      start = i;
    }
  }
  return out;
}

export const column = (img: Image, x: number) => Array.from({ length: img.height }, (_, y) => pixel(img, x, y));
export const row = (img: Image, y: number) => Array.from({ length: img.width }, (_, x) => pixel(img, x, y));

/** Share of pixels that differ between two images of the same size. */
export function differingShare(a: Image, b: Image): number {
  if (a.width !== b.width || a.height !== b.height) return 1;
  let differing = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    if (a.data[i] !== b.data[i] || a.data[i + 1] !== b.data[i + 1] || a.data[i + 2] !== b.data[i + 2]) differing++;
  }
  return differing / (a.width * a.height);
}
