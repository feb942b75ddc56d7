/**
 * The marker segments of a JPEG header, read in JavaScript: the service reads image sizes from
 * them (services/src/pipeline/image-header.ts) and `small-jpeg.ts` decides from them which JPEGs
 * the WebAssembly decoder takes.
 */

/** Start-of-frame markers: C0-CF except DHT (C4), JPG (C8) and DAC (CC). */
export const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/** A JPEG marker segment before the first scan: its marker and where it starts (at 0xFF). */
export interface JpegSegment {
  marker: number;
  at: number;
  /** The segment's length field (its bytes after the marker). */
  length: number;
}

/**
 * The marker segments of a JPEG header, up to the first scan (SOS, not included). Returns
 * undefined when the header is malformed or ends (EOI, end of bytes) before a scan.
 */
export function jpegSegments(b: Uint8Array): JpegSegment[] | undefined {
  const out: JpegSegment[] = [];
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return undefined;
    const m = b[i + 1];
    if (m === 0xff) {
      i += 1; // fill byte
      continue;
    }
    // Markers without a length: TEM, RSTn, SOI.
    if (m === 0x01 || (m >= 0xd0 && m <= 0xd8)) {
      i += 2;
      continue;
    }
    if (m === 0xda) return out;
    const length = (b[i + 2] << 8) | b[i + 3];
    if (m === 0xd9 || length < 2) return undefined;
    out.push({ marker: m, at: i, length });
    i += 2 + length;
  }
  return undefined;
}

export interface JpegFrame {
  width: number;
  height: number;
  components: number;
  /** Bits per sample (8 in nearly every JPEG; 12 and 16 exist). */
  precision: number;
  /** Each component's sampling factors, H << 4 | V (0x11: full resolution, 0x22: half in both directions). */
  sampling: number[];
}

/** The frame header segment `s` (an SOF), when the bytes hold all of it. */
export function jpegFrame(b: Uint8Array, s: JpegSegment): JpegFrame | undefined {
  if (s.at + 10 > b.length || s.length < 8) return undefined;
  const components = b[s.at + 9];
  const sampling: number[] = [];
  if (s.length >= 8 + 3 * components && s.at + 10 + 3 * components <= b.length) {
    for (let k = 0; k < components; k++) sampling.push(b[s.at + 11 + 3 * k]);
  }
  return { precision: b[s.at + 4], height: (b[s.at + 5] << 8) | b[s.at + 6], width: (b[s.at + 7] << 8) | b[s.at + 8], components, sampling };
}

/** True when segment `s` is an APPn segment whose data starts with `id` (e.g. 'Exif\0', 'ICC_PROFILE\0'). */
export function isAppSegment(b: Uint8Array, s: JpegSegment, app: number, id: string): boolean {
  if (s.marker !== 0xe0 + app || s.length < 2 + id.length || s.at + 4 + id.length > b.length) return false;
  for (let k = 0; k < id.length; k++) if (b[s.at + 4 + k] !== id.charCodeAt(k)) return false;
  return true;
}
