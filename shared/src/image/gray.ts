/**
 * The one RGB -> gray conversion of the project, used by the trainer when it decodes images and
 * by the service when it crops faces, so a colour photo becomes the same gray crop in training
 * and in serving.
 *
 * It is ITU-R BT.601 luma on the gamma-encoded (sRGB) values, Y' = 0.299 R' + 0.587 G' + 0.114 B',
 * in Pillow's 16-bit fixed point (19595, 38470, 7471 / 65536, rounded half up): what
 * `Image.convert('L')`, torchvision's `Grayscale` and OpenCV's `COLOR_RGB2GRAY` compute, i.e. how
 * FER2013-style gray face crops and the gray datasets people fine-tune on are made. Luminance
 * computed in linear light (sharp's `b-w`) renders saturated colours much brighter (pure red 127,
 * pure green 220, against 76 and 150), a look the gray training data never had. Integer weights
 * also make the result exact on every platform; a gray pixel (R = G = B) keeps its value, so
 * FER2013's gray JPEGs decode exactly as before (416 of 416 validation images checked).
 */

const WR = 19595;
const WG = 38470;
const WB = 7471;
const ONE = 65536;

/** Identifies the conversion (part of the trainer's dataset cache key). */
export const GRAY_CONVERSION = 'bt601-luma-q16';

/**
 * Gray level of one pixel. Components may be fractional (an average of samples, as when a crop
 * is resampled); the result is rounded to 0..255.
 */
export function grayLevel(r: number, g: number, b: number): number {
  const y = Math.round((WR * r + WG * g + WB * b) / ONE);
  return y < 0 ? 0 : y > 255 ? 255 : y;
}

/** Interleaved 8-bit RGB (3 bytes a pixel) to 8-bit gray, one byte a pixel. */
export function rgbToGray(rgb: Uint8Array, out: Uint8Array = new Uint8Array(rgb.length / 3)): Uint8Array {
  if (rgb.length % 3 !== 0) throw new Error(`RGB pixels come in threes, got ${rgb.length} values`);
  if (out.length !== rgb.length / 3) throw new Error(`expected an output of ${rgb.length / 3} values, got ${out.length}`);
  for (let i = 0, j = 0; i < out.length; i++, j += 3) out[i] = (WR * rgb[j] + WG * rgb[j + 1] + WB * rgb[j + 2] + ONE / 2) >>> 16;
  return out;
}
