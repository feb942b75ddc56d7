/**
 * Stage 1: bytes -> RGB pixels. Accepts JPEG, PNG and WebP (recognised by their signature, not
 * by what the client claims), judges an image's decode cost from its header alone before anything
 * is decoded (`readHeader` + `checkDecodeCost`: pixels, longest side, aspect ratio; decompression
 * bombs and 1 x 24,000,000 strips), and decodes with the shared `decodeRgb` (as the trainer does):
 * upright by its EXIF orientation, alpha dropped, 8-bit sRGB, 3 channels, row-major HWC. One
 * sharp pipeline per image; the header is
 * read again only to name the size of an image over the limit.
 */
import sharp, { type Metadata } from 'sharp';
import { decodeRgb } from '@amft/shared/image';
import { BadImageError, ImageTooLargeError, UnsupportedTypeError } from '../errors.js';
import { headerSize } from './image-header.js';

sharp.cache(false);
// One libvips thread per image: requests give the parallelism (libuv runs up to 4 sharp calls at
// once). Measured on 48x48 JPEG crops under load, this cut sharp's CPU per image from about
// 0.7 ms to 0.4 ms (libvips' own threads cost more to hand work to than such images take).
sharp.concurrency(1);

export type ImageFormat = 'jpeg' | 'png' | 'webp';

export interface DecodedImage {
  /** RGB, 8 bits per channel, `width * height * 3` bytes, rows top to bottom. */
  data: Buffer;
  width: number;
  height: number;
  /** Source format; 'raw' for pixels that came without a container (FER2013 CSV rows). */
  format: ImageFormat | 'raw';
}

/** What one image may cost to decode, judged from its header. */
export interface ImageLimits {
  /** width x height. */
  maxPixels: number;
  /** The longest side, in pixels. */
  maxSide: number;
  /** Longest side / shortest side. */
  maxAspect: number;
}

export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
}

export interface DecodeOptions {
  maxPixels: number;
  /** How the image is named in error messages (file name, frame index, CSV line). */
  name: string;
}

const SIGNATURES: [string, (b: Buffer) => boolean][] = [
  ['jpeg', (b) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff],
  ['png', (b) => b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))],
  ['webp', (b) => b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP'],
  ['gif', (b) => b.length >= 6 && /^GIF8[79]a$/.test(b.toString('latin1', 0, 6))],
  ['tiff', (b) => b.length >= 4 && (b.toString('latin1', 0, 4) === 'II*\0' || b.toString('latin1', 0, 4) === 'MM\0*')],
  ['bmp', (b) => b.length >= 2 && b.toString('latin1', 0, 2) === 'BM'],
  ['avif/heif', (b) => b.length >= 12 && b.toString('latin1', 4, 8) === 'ftyp'],
  ['svg/xml', (b) => /^\s*<(\?xml|svg)/i.test(b.toString('utf8', 0, Math.min(b.length, 256)))],
  ['pdf', (b) => b.toString('latin1', 0, 5) === '%PDF-'],
];

export const ACCEPTED_FORMATS: readonly ImageFormat[] = ['jpeg', 'png', 'webp'];

/** The format named by the bytes' signature, or undefined when none is recognised. */
export function sniffFormat(buf: Buffer): string | undefined {
  return SIGNATURES.find(([, test]) => test(buf))?.[0];
}

/** Throws unless the bytes look like an accepted image; returns its format. */
export function checkImageBytes(buf: Buffer, name: string, declaredType?: string): ImageFormat {
  if (buf.length === 0) throw new BadImageError(name, 'the file is empty');
  const format = sniffFormat(buf);
  if (format && (ACCEPTED_FORMATS as readonly string[]).includes(format)) return format as ImageFormat;
  if (format) throw new UnsupportedTypeError(`${name} is ${format.toUpperCase()}; accepted: JPEG, PNG, WebP`);
  // Unrecognised bytes: corrupt when they claim to be an accepted image, else an unsupported type.
  if (declaredType && /^image\/(jpeg|jpg|png|webp)$/i.test(declaredType)) {
    throw new BadImageError(name, `the bytes are not a ${declaredType.slice(6).toUpperCase()} image`);
  }
  throw new UnsupportedTypeError(`${name}${declaredType ? ` (${declaredType})` : ''} is not a JPEG, PNG or WebP image`);
}

/** Format and size from the header, without decoding (image-header.ts for JPEG and PNG, else sharp reads the header only). */
export async function readHeader(buf: Buffer, name: string, declaredType?: string): Promise<ImageHeader> {
  const format = checkImageBytes(buf, name, declaredType);
  const quick = headerSize(buf, format);
  if (quick) return { format, ...quick };
  let meta: Metadata;
  try {
    meta = await sharp(buf, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new BadImageError(name, sharpMessage(err));
  }
  if (!meta.width || !meta.height) throw new BadImageError(name, 'the header gives no size');
  return { format, width: meta.width, height: meta.height };
}

/** Throws FER_ERR_IMAGE_TOO_LARGE (413) when decoding an image of this size would cost too much. */
export function checkDecodeCost(size: { width: number; height: number }, limits: ImageLimits, name: string): void {
  const { width, height } = size;
  const long = Math.max(width, height);
  const reason =
    width * height > limits.maxPixels
      ? `over the limit of ${limits.maxPixels} pixels (--max-pixels)`
      : long > limits.maxSide
        ? `the longest side is over ${limits.maxSide} pixels (--max-side)`
        : long / Math.min(width, height) > limits.maxAspect
          ? `the aspect ratio is over ${limits.maxAspect}:1 (--max-aspect)`
          : undefined;
  if (reason) throw new ImageTooLargeError(name, width, height, reason);
}

export async function decodeImage(buf: Buffer, opts: DecodeOptions, declaredType?: string): Promise<DecodedImage> {
  const format = checkImageBytes(buf, opts.name, declaredType);
  try {
    // sharp checks the pixel limit against the header's size before it decodes anything.
    return { ...(await decodeRgb(buf, { maxPixels: opts.maxPixels })), format };
  } catch (err) {
    const msg = sharpMessage(err);
    if (/pixel limit/i.test(msg)) {
      const { width, height } = await readHeader(buf, opts.name);
      throw new ImageTooLargeError(opts.name, width, height, `over the limit of ${opts.maxPixels} pixels (--max-pixels)`);
    }
    throw new BadImageError(opts.name, msg);
  }
}

/** sharp's message, first line only (they name the codec problem, never a path or stack). */
function sharpMessage(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.split('\n')[0].trim() || 'unreadable image data';
}

/** Wraps 8-bit single-channel pixels (e.g. a FER2013 CSV row) as an RGB image. */
export function grayToImage(gray: Uint8Array, width: number, height: number): DecodedImage {
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) data[3 * i] = data[3 * i + 1] = data[3 * i + 2] = gray[i];
  return { data, width, height, format: 'raw' };
}
