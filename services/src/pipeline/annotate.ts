/**
 * The photo with its faces drawn: box, keypoints and "label confidence%" on each face, as one
 * SVG composited over the upright image by sharp, encoded as PNG. Used by `POST /predict` with
 * `?annotate=1` (or `Accept: image/png`); a plain function of encoded bytes and face results, so
 * a command-line tool can draw the same picture.
 */
import sharp from 'sharp';
import type { Box, Landmarks } from './detect/index.js';

/** What is drawn of a face: the shape of a /predict face (extra fields are ignored). */
export interface AnnotatedFace {
  box: Box;
  landmarks?: Landmarks;
  expression: { label: string; confidence: number };
}

export interface AnnotateOptions {
  /** Pixel limit for decoding (the same as the request's). */
  maxPixels?: number;
  /** Box and label colour, `#rrggbb`. */
  color?: string;
}

/** The box colour: a green that stands out on skin and most backgrounds. */
export const ANNOTATION_COLOR = '#00e060';

const xml = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
const num = (v: number) => (Number.isFinite(v) ? Math.round(v * 10) / 10 : 0);

/** The SVG overlay for an image of `width` x `height` pixels. */
export function annotationSvg(width: number, height: number, faces: readonly AnnotatedFace[], color = ANNOTATION_COLOR): string {
  if (!/^#[0-9a-f]{6}$/i.test(color)) throw new Error(`colour ${color} is not #rrggbb`);
  const stroke = Math.max(2, Math.round(Math.min(width, height) / 200));
  const font = Math.max(12, Math.round(Math.min(width, height) / 30));
  const parts = faces.map((f) => {
    const { x, y, width: w, height: h } = f.box;
    const text = `${f.expression.label} ${Math.round(f.expression.confidence * 100)}%`;
    // The label sits on a filled tab above the box, or inside its top when there is no room.
    const tabH = Math.round(font * 1.35);
    const tabW = Math.round(text.length * font * 0.62 + font * 0.6);
    const tabY = y - tabH >= 0 ? y - tabH : y;
    const dots = Object.values(f.landmarks ?? {}).map((p) => `<circle cx="${num(p.x)}" cy="${num(p.y)}" r="${stroke * 1.5}" fill="${color}" stroke="#000" stroke-width="1"/>`);
    return [
      `<rect x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(h)}" fill="none" stroke="${color}" stroke-width="${stroke}"/>`,
      `<rect x="${num(x - stroke / 2)}" y="${num(tabY)}" width="${tabW}" height="${tabH}" fill="${color}"/>`,
      `<text x="${num(x + font * 0.3)}" y="${num(tabY + tabH * 0.75)}" font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif" font-size="${font}" font-weight="bold" fill="#000">${xml(text)}</text>`,
      ...dots,
    ].join('');
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join('')}</svg>`;
}

/**
 * The image (JPEG, PNG or WebP bytes, turned upright by its EXIF orientation as /predict reads
 * it) with every face drawn, as PNG bytes. Boxes and keypoints are in upright image pixels.
 */
export async function annotateImage(bytes: Buffer, faces: readonly AnnotatedFace[], opts: AnnotateOptions = {}): Promise<Buffer> {
  const { data, info } = await sharp(bytes, { limitInputPixels: opts.maxPixels ?? 25_000_000 })
    .rotate()
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const overlay = Buffer.from(annotationSvg(info.width, info.height, faces, opts.color));
  return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
    .composite([{ input: overlay, top: 0, left: 0 }])
    .removeAlpha() // the SVG brings an alpha channel; the photo has none
    .png()
    .toBuffer();
}

/**
 * Whether a /predict request asks for the annotated image: `annotate` is true, or the Accept
 * header names image/png (with a non-zero q) and not JSON before it.
 */
export function wantsAnnotation(annotate: boolean, accept: string | undefined): boolean {
  if (annotate) return true;
  for (const entry of (accept ?? '').split(',')) {
    const [type, ...params] = entry.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    if (q !== undefined && !(Number(q.slice(2)) > 0)) continue;
    if (type === 'application/json') return false;
    if (type === 'image/png') return true;
  }
  return false;
}
