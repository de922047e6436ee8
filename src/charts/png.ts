/**
 * PNG bytes from RGBA pixels, compressed on libuv's thread pool.
 *
 * Why not Skia's own `canvas.encode('png')`: it compresses at zlib's default level with per-row filter
 * selection, and for a 1800×1000 chart that was 80–90 % of a chart's time (bench/charts.ts, BENCHMARKS.md).
 * A chart is flat colour: zlib level 1 with no filter gives a file 1.2–1.4× Skia's in a quarter of the
 * time or less, and @napi-rs/canvas 1.1 offers no PNG level to set. The container format is 30 lines
 * (signature, IHDR, one IDAT, IEND, CRC-32 from node:zlib); the compression is node:zlib's, not ours.
 */
import { promisify } from 'node:util';
import { crc32, deflate } from 'node:zlib';

const deflateAsync = promisify(deflate);

/** zlib level chosen by measurement (bench/charts.ts): 1 is several times faster than 6 for ~1.3× the bytes. */
export const PNG_ZLIB_LEVEL = 1;

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const COLOUR_TYPE_RGBA = 6;
const FILTER_NONE = 0;

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * Encodes straight (not premultiplied) RGBA pixels, 4 bytes each, row by row. Only the row copies run on
 * the calling thread (a memcpy per row, well under a millisecond for a chart); deflate runs on the pool.
 */
export async function encodePng(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number): Promise<Buffer> {
  const rowBytes = width * 4;
  if (rgba.length !== rowBytes * height) throw new RangeError(`expected ${rowBytes * height} bytes of RGBA, got ${rgba.length}`);
  const pixels = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  const scanlines = Buffer.allocUnsafe((rowBytes + 1) * height);
  for (let y = 0; y < height; y++) {
    const at = y * (rowBytes + 1);
    scanlines[at] = FILTER_NONE;
    pixels.copy(scanlines, at + 1, y * rowBytes, (y + 1) * rowBytes);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = COLOUR_TYPE_RGBA; // compression, filter method and interlace stay 0
  const compressed = await deflateAsync(scanlines, { level: PNG_ZLIB_LEVEL });
  return Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('IDAT', compressed), chunk('IEND', Buffer.alloc(0))]);
}
