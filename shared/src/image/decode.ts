/**
 * Encoded image bytes to pixels, and a whole image to the model's input, the same way in the
 * trainer (`amft train`, `amft eval`) and in the service (`/predict?detect=never`, `/evaluate`):
 * sharp decodes, turns the image upright by its EXIF orientation, drops alpha and gives 8-bit
 * sRGB; sharp stretches it to the input size; grayscale models get `rgbToGray`. Small JPEGs
 * that libjpeg-turbo in WebAssembly decodes to exactly sharp's pixels take that path instead
 * (small-jpeg.ts says which), in the trainer and in the service alike.
 */
import sharp from 'sharp';
import { rgbToGray } from './gray.js';
import { decodeSmallJpeg } from './small-jpeg.js';

/** 8-bit RGB, `width * height * 3` bytes, rows top to bottom. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface InputGeometry {
  height: number;
  width: number;
  channels: 1 | 3;
}

/**
 * Decodes JPEG, PNG, WebP (whatever sharp reads) to upright sRGB. `maxPixels` refuses, from the
 * header and before decoding, an image with more pixels (sharp's "pixel limit" error).
 */
export async function decodeRgb(bytes: Uint8Array, opts: { maxPixels?: number } = {}): Promise<RgbImage & { data: Buffer }> {
  const small = decodeSmallJpeg(bytes, 3, opts.maxPixels);
  if (small) return { data: Buffer.from(small.data.buffer, small.data.byteOffset, small.data.byteLength), width: small.width, height: small.height };
  const { data, info } = await sharp(bytes, { failOn: 'warning', sequentialRead: true, ...(opts.maxPixels !== undefined ? { limitInputPixels: opts.maxPixels } : {}) })
    .rotate()
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
  return { data, width: info.width, height: info.height };
}

/** The whole image as the model input (HWC, `g.channels` per pixel): stretched to size, then gray if asked. */
export async function imageToInput(img: RgbImage, g: InputGeometry): Promise<Uint8Array> {
  const rgb =
    img.width === g.width && img.height === g.height
      ? img.data
      : await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).resize(g.width, g.height, { fit: 'fill' }).raw().toBuffer();
  return g.channels === 1 ? rgbToGray(rgb) : new Uint8Array(rgb);
}

/**
 * The model input of a small JPEG already of the input size (small-jpeg.ts), decoded on the
 * calling thread straight to the input's channels; undefined for any other image. The same
 * pixels as `imageToInput(await decodeRgb(bytes), g)`.
 */
export function smallJpegToInput(bytes: Uint8Array, g: InputGeometry, maxPixels?: number): Uint8Array | undefined {
  return decodeSmallJpeg(bytes, g.channels, maxPixels, g)?.data;
}

/** Encoded bytes straight to the model input: `smallJpegToInput`, else `decodeRgb`, then `imageToInput`. */
export async function decodeToInput(bytes: Uint8Array, g: InputGeometry): Promise<Uint8Array> {
  return smallJpegToInput(bytes, g) ?? imageToInput(await decodeRgb(bytes), g);
}
