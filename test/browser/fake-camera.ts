/**
 * A clip for chromium's fake camera (--use-file-for-fake-video-capture): a Y4M file (4:2:0,
 * BT.601) written with plain code, of a face from astronaut.png gliding across a grey frame.
 * Built at test time from the public-domain photo; never committed.
 */
import { writeFileSync } from 'node:fs';
import sharp from 'sharp';

export interface ClipOptions {
  width: number;
  height: number;
  frames: number;
  fps: number;
}

/** RGB (HWC, 3 channels) to one planar I420 frame, BT.601 studio range. */
export function rgbToI420(rgb: Uint8Array, width: number, height: number): Buffer {
  const ySize = width * height;
  const cw = width >> 1;
  const ch = height >> 1;
  const out = Buffer.alloc(ySize + 2 * cw * ch);
  for (let i = 0; i < ySize; i++) {
    const r = rgb[3 * i];
    const g = rgb[3 * i + 1];
    const b = rgb[3 * i + 2];
    out[i] = Math.round(16 + 0.257 * r + 0.504 * g + 0.098 * b);
  }
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (const [dx, dy] of [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ]) {
        const i = 3 * ((2 * y + dy) * width + 2 * x + dx);
        r += rgb[i];
        g += rgb[i + 1];
        b += rgb[i + 2];
      }
      r /= 4;
      g /= 4;
      b /= 4;
      out[ySize + y * cw + x] = Math.round(128 - 0.148 * r - 0.291 * g + 0.439 * b);
      out[ySize + cw * ch + y * cw + x] = Math.round(128 + 0.439 * r - 0.368 * g - 0.071 * b);
    }
  }
  return out;
}

/**
 * Writes the clip to `path`: the head-and-shoulders square of astronaut.png, scaled to 70% of
 * the frame height, moving left and right (one sweep per clip; chromium loops the file).
 */
export async function writeFaceClip(path: string, photo: string, o: ClipOptions = { width: 640, height: 480, frames: 40, fps: 5 }): Promise<void> {
  const side = Math.round(o.height * 0.7);
  const face = await sharp(photo).extract({ left: 96, top: 0, width: 256, height: 256 }).resize(side, side).removeAlpha().raw().toBuffer();
  const chunks: Buffer[] = [Buffer.from(`YUV4MPEG2 W${o.width} H${o.height} F${o.fps}:1 Ip A1:1 C420jpeg\n`)];
  for (let f = 0; f < o.frames; f++) {
    const phase = Math.sin((2 * Math.PI * f) / o.frames);
    const left = Math.round((o.width - side) / 2 + phase * (o.width - side) * 0.4);
    const top = Math.round((o.height - side) / 2);
    const frame = await sharp({ create: { width: o.width, height: o.height, channels: 3, background: { r: 110, g: 118, b: 128 } } })
      .composite([{ input: face, raw: { width: side, height: side, channels: 3 }, left, top }])
      .removeAlpha() // composite gives RGBA
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (frame.info.channels !== 3) throw new Error(`frame has ${frame.info.channels} channels`);
    chunks.push(Buffer.from('FRAME\n'), rgbToI420(frame.data, o.width, o.height));
  }
  writeFileSync(path, Buffer.concat(chunks));
}
