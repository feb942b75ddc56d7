// The service benchmark's inputs, made at run time (nothing is committed): 48x48 FER2013
// validation crops (synthetic crops when the data is absent) and a 640x480 photo composed from
// the public-domain astronaut (a synthetic photo when it is absent).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { ASTRONAUT, FER2013 } from '../test/shared-data.js';

const FER_VAL = join(FER2013, 'val');

export async function cropBodies(): Promise<{ bodies: Buffer[]; source: string }> {
  if (existsSync(FER_VAL)) {
    const files = readdirSync(FER_VAL).flatMap((c) =>
      readdirSync(join(FER_VAL, c))
        .filter((f) => f.endsWith('.jpg'))
        .sort()
        .slice(0, 40)
        .map((f) => join(FER_VAL, c, f)),
    );
    return { bodies: files.map((f) => readFileSync(f)), source: `${files.length} FER2013 validation crops, 48x48 gray JPEG` };
  }
  const bodies = await Promise.all(
    Array.from({ length: 64 }, (_, k) => {
      const px = Buffer.alloc(48 * 48);
      for (let i = 0; i < px.length; i++) px[i] = (i * (k + 3) + ((i / 48) | 0) * 7) % 256;
      return sharp(px, { raw: { width: 48, height: 48, channels: 1 } }).jpeg().toBuffer();
    }),
  );
  return { bodies, source: `64 synthetic 48x48 gray JPEG crops (${FER_VAL} is absent)` };
}

export async function photoBodies(): Promise<{ bodies: Buffer[]; source: string }> {
  if (existsSync(ASTRONAUT)) {
    const face = await sharp(ASTRONAUT).resize({ height: 480 }).toBuffer();
    const body = await sharp(face).extend({ left: 64, right: 96, background: '#808080' }).jpeg({ quality: 90 }).toBuffer();
    return { bodies: [body], source: `astronaut.png resized to 480 high and padded to 640x480, JPEG q90 (${(body.length / 1024).toFixed(0)} KiB), one face` };
  }
  const px = Buffer.alloc(640 * 480 * 3);
  for (let i = 0; i < px.length; i++) px[i] = (i * 13) % 251;
  const body = await sharp(px, { raw: { width: 640, height: 480, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
  return { bodies: [body], source: `a synthetic 640x480 JPEG without a face (${ASTRONAUT} is absent)` };
}

/** One multipart/form-data body of `n` image parts (the bulk path of POST /predict). */
export function multipartBody(images: readonly Buffer[], boundary = 'amft-bench-boundary'): { body: Buffer; contentType: string } {
  const parts = images.flatMap((img, i) => [
    Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="image"; filename="crop-${i}.jpg"\r\ncontent-type: image/jpeg\r\n\r\n`),
    img,
    Buffer.from('\r\n'),
  ]);
  return { body: Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Requests of 32 crops each, in multipart parts, taken in turn from the crops case. */
export async function bulkCropBodies(perRequest = 32): Promise<{ bodies: Buffer[]; source: string; contentType: string; imagesPerRequest: number }> {
  const { bodies: crops, source } = await cropBodies();
  const bodies: Buffer[] = [];
  let contentType = '';
  for (let k = 0; k < 8; k++) {
    const m = multipartBody(Array.from({ length: perRequest }, (_, i) => crops[(k * perRequest + i) % crops.length]));
    bodies.push(m.body);
    contentType = m.contentType;
  }
  return { bodies, source: `${perRequest} of the ${source} per request, multipart parts`, contentType, imagesPerRequest: perRequest };
}
