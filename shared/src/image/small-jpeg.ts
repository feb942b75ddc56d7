/**
 * The fast path of `decode.ts` for small JPEGs (FER2013 crops are 48x48): libjpeg-turbo in
 * WebAssembly on the calling thread (jpeg-turbo.ts), in place of a libvips pipeline per image
 * and its hop to libuv's threads, which cost about 25 times the decode itself on such images.
 * Only JPEGs whose pixels it gives exactly as sharp does go this way (checked on every FER2013
 * validation image and on colour JPEGs of each kind below, shared/test/small-jpeg.test.ts):
 *
 * - 8-bit baseline, extended or progressive Huffman JPEG (SOF0, SOF1, SOF2);
 * - gray (one component), or three components sampled 4:4:4 or 4:2:0 (luma 1x1 or 2x2, chroma 1x1);
 * - at most SMALL_JPEG_MAX_PIXELS pixels (larger ones decode faster in libvips, off the thread)
 *   and SMALL_JPEG_MAX_BYTES bytes;
 * - no EXIF (sharp turns an image upright by its orientation), no ICC profile (sharp converts it
 *   to sRGB), no Adobe marker (CMYK, YCCK, RGB transforms).
 *
 * Everything else goes to sharp, as does a stream libjpeg-turbo refuses or warns about (sharp
 * fails on warnings too, and names the problem in its error).
 */
import { isAppSegment, isSof, jpegFrame, jpegSegments } from './jpeg-header.js';
import { turboDecode, TJPF_GRAY, TJPF_RGB } from './jpeg-turbo.js';
import { rgbToGray } from './gray.js';

/** 256 x 256: above it, libvips' SIMD decoder off the calling thread costs less. */
export const SMALL_JPEG_MAX_PIXELS = 65_536;
/** Bytes of a small JPEG (the module keeps its largest input buffer; a 256x256 JPEG at quality 100 is under 200 KB). */
export const SMALL_JPEG_MAX_BYTES = 512 * 1024;

export interface SmallJpeg {
  width: number;
  height: number;
  /** 1 (gray) or 3 (YCbCr). */
  components: 1 | 3;
}

const FAST_SOF = new Set([0xc0, 0xc1, 0xc2]);

/** The frame of a JPEG the fast path decodes exactly as sharp does; undefined for every other image. */
export function smallJpeg(bytes: Uint8Array, maxPixels = SMALL_JPEG_MAX_PIXELS): SmallJpeg | undefined {
  if (bytes.length < 4 || bytes.length > SMALL_JPEG_MAX_BYTES || bytes[0] !== 0xff || bytes[1] !== 0xd8 || bytes[2] !== 0xff) return undefined;
  const segments = jpegSegments(bytes);
  if (!segments) return undefined;
  const sofs = segments.filter((s) => isSof(s.marker));
  if (sofs.length !== 1 || !FAST_SOF.has(sofs[0].marker)) return undefined;
  const f = jpegFrame(bytes, sofs[0]);
  if (f?.precision !== 8 || f.width === 0 || f.height === 0 || f.width * f.height > Math.min(maxPixels, SMALL_JPEG_MAX_PIXELS)) return undefined;
  const [y, cb, cr] = f.sampling;
  const samplingOk = f.components === 1 ? y === 0x11 : f.components === 3 && (y === 0x11 || y === 0x22) && cb === 0x11 && cr === 0x11;
  if (!samplingOk) return undefined;
  if (segments.some((s) => isAppSegment(bytes, s, 1, 'Exif\0') || isAppSegment(bytes, s, 2, 'ICC_PROFILE\0') || isAppSegment(bytes, s, 14, 'Adobe'))) return undefined;
  return { width: f.width, height: f.height, components: f.components as 1 | 3 };
}

/**
 * The pixels sharp's `decodeRgb` gives (`channels` 3: 8-bit sRGB) or those then through the
 * shared `rgbToGray` (`channels` 1), for a JPEG `smallJpeg` accepts (and, given `size`, of that
 * size); undefined for any other image or when libjpeg-turbo refuses or warns, and the caller
 * decodes with sharp.
 */
export function decodeSmallJpeg(
  bytes: Uint8Array,
  channels: 1 | 3,
  maxPixels?: number,
  size?: { width: number; height: number },
): { data: Uint8Array; width: number; height: number } | undefined {
  const frame = smallJpeg(bytes, maxPixels);
  if (!frame || (size && (frame.width !== size.width || frame.height !== size.height))) return undefined;
  const { width, height } = frame;
  // A gray JPEG's luma plane is its gray: sharp replicates it into R = G = B, which rgbToGray keeps.
  const direct = channels === 1 && frame.components === 1;
  const data = turboDecode(bytes, width, height, direct ? TJPF_GRAY : TJPF_RGB);
  if (!data) return undefined;
  return { data: channels === 1 && !direct ? rgbToGray(data) : data, width, height };
}
