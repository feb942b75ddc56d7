/**
 * The size of a JPEG or PNG read from its header bytes in JavaScript, with no libvips call: the
 * header check of every image (run-images.ts) ran a whole sharp pipeline per image for it, the
 * largest single cost on the main thread for small crops (services/README.md, "Where the CPU
 * goes"). Anything this reader does not know for sure (WebP, a JPEG whose height comes later in
 * a DNL marker, a truncated header) gives undefined, and the caller asks sharp as before.
 */
import { crc32 } from 'node:zlib';

export interface HeaderSize {
  width: number;
  height: number;
}

const PNG_IHDR = 0x49484452;

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

/** Height, width and components of the frame header segment `s`, when the bytes hold it. */
export function jpegFrame(b: Uint8Array, s: JpegSegment): { width: number; height: number; components: number } | undefined {
  if (s.at + 10 > b.length || s.length < 8) return undefined;
  return { height: (b[s.at + 5] << 8) | b[s.at + 6], width: (b[s.at + 7] << 8) | b[s.at + 8], components: b[s.at + 9] };
}

function jpegSize(b: Uint8Array): HeaderSize | undefined {
  const sof = jpegSegments(b)?.find((s) => isSof(s.marker));
  const frame = sof && jpegFrame(b, sof);
  return frame && frame.width > 0 && frame.height > 0 ? { width: frame.width, height: frame.height } : undefined;
}

/** The IHDR chunk (13 bytes of data) checked against its CRC, as libpng does, so garbage is sharp's to refuse. */
function pngSize(b: Uint8Array): HeaderSize | undefined {
  if (b.length < 33) return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (v.getUint32(8) !== 13 || v.getUint32(12) !== PNG_IHDR || crc32(b.subarray(12, 29)) !== v.getUint32(29)) return undefined;
  const width = v.getUint32(16);
  const height = v.getUint32(20);
  return width > 0 && height > 0 ? { width, height } : undefined;
}

/** Width and height from the header of a JPEG or PNG (the format already sniffed); undefined when unsure. */
export function headerSize(bytes: Uint8Array, format: string): HeaderSize | undefined {
  if (format === 'jpeg') return jpegSize(bytes);
  if (format === 'png') return pngSize(bytes);
  return undefined;
}
