/**
 * The size of a JPEG or PNG read from its header bytes in JavaScript, with no libvips call: the
 * header check of every image (run-images.ts) ran a whole sharp pipeline per image for it, the
 * largest single cost on the main thread for small crops (services/README.md, "Where the CPU
 * goes"). Anything this reader does not know for sure (WebP, a JPEG whose height comes later in
 * a DNL marker, a truncated header) gives undefined, and the caller asks sharp as before.
 */
import { crc32 } from 'node:zlib';
import { isSof, jpegFrame, jpegSegments } from '@amft/shared/image';

export interface HeaderSize {
  width: number;
  height: number;
}

const PNG_IHDR = 0x49484452;

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
