// shared/src/image/small-jpeg.ts: the WebAssembly fast path gives exactly sharp's pixels on the
// JPEGs it takes (every FER2013 validation image, colour JPEGs of each kind it takes), leaves
// every other kind to sharp, and refuses (so sharp answers, with sharp's error) what sharp refuses.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import t from 'tap';
import { decodeRgb, decodeToInput, rgbToGray, smallJpegToInput } from '../src/image/index.js';
import { decodeSmallJpeg, SMALL_JPEG_MAX_BYTES, SMALL_JPEG_MAX_PIXELS, smallJpeg } from '../src/image/small-jpeg.js';
import { ASTRONAUT, FER2013, SHARED_DATA_ABSENT } from '../../test/shared-data.js';

const VAL = join(FER2013, 'val');

/** sharp's decode exactly as decode.ts runs it. */
const viaSharp = async (bytes: Uint8Array) => {
  const { data, info } = await sharp(bytes, { failOn: 'warning', sequentialRead: true }).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
};

/** Count of byte positions where two images differ (size mismatch counts as all). */
const differing = (a: { data: Uint8Array; width: number; height: number }, b: { data: Uint8Array; width: number; height: number }) => {
  if (a.width !== b.width || a.height !== b.height || a.data.length !== b.data.length) return Math.max(a.data.length, b.data.length, 1);
  let n = 0;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) n++;
  return n;
};

t.test('every FER2013 validation image: the fast path, bit for bit sharp', { skip: existsSync(VAL) ? false : SHARED_DATA_ABSENT }, async (t) => {
  const files = readdirSync(VAL).flatMap((c) => readdirSync(join(VAL, c)).filter((f) => f.endsWith('.jpg')).map((f) => join(VAL, c, f)));
  t.ok(files.length >= 3000, `${files.length} images`);
  let refused = 0;
  let rgbDiffs = 0;
  let grayDiffs = 0;
  for (const f of files) {
    const bytes = readFileSync(f);
    const ref = await viaSharp(bytes);
    const rgb = decodeSmallJpeg(bytes, 3);
    const gray = smallJpegToInput(bytes, { width: ref.width, height: ref.height, channels: 1 });
    if (!rgb || !gray) {
      refused++;
      continue;
    }
    if (differing(rgb, ref) > 0) rgbDiffs++;
    if (differing({ ...ref, data: gray }, { ...ref, data: rgbToGray(ref.data) }) > 0) grayDiffs++;
  }
  t.equal(refused, 0, 'the fast path takes every one');
  t.equal(rgbDiffs, 0, 'RGB identical to sharp on every image');
  t.equal(grayDiffs, 0, 'gray model input identical to sharp + rgbToGray on every image');
});

/** A colour picture of a face (astronaut.png) or, without the shared data, a colour pattern. */
async function colourSource(): Promise<Sharp> {
  if (existsSync(ASTRONAUT)) return sharp(readFileSync(ASTRONAUT));
  const px = Buffer.alloc(200 * 160 * 3);
  for (let i = 0; i < px.length; i++) px[i] = (i * 7 + ((i / 600) | 0) * 13) % 256;
  return sharp(px, { raw: { width: 200, height: 160, channels: 3 } });
}

t.test('colour and gray JPEGs made with sharp: 4:2:0, 4:4:4, progressive, qualities, odd sizes', async (t) => {
  const src = await (await colourSource()).png().toBuffer();
  let cases = 0;
  for (const [w, h] of [
    [48, 48],
    [97, 61],
    [255, 256],
  ]) {
    for (const quality of [30, 75, 95]) {
      for (const chromaSubsampling of ['4:2:0', '4:4:4']) {
        for (const progressive of [false, true]) {
          for (const gray of [false, true]) {
            let p = sharp(src).resize(w, h, { fit: 'fill' });
            if (gray) p = p.grayscale();
            const bytes = await p.jpeg({ quality, chromaSubsampling, progressive, mozjpeg: quality === 75 }).toBuffer();
            const what = `${w}x${h} q${quality} ${chromaSubsampling}${progressive ? ' progressive' : ''}${gray ? ' gray' : ''}`;
            const ref = await viaSharp(bytes);
            const fast = decodeSmallJpeg(bytes, 3);
            if (!fast) {
              t.fail(`${what}: the fast path refused it`);
              continue;
            }
            t.equal(differing(fast, ref), 0, `${what}: RGB identical`);
            t.same(smallJpegToInput(bytes, { width: w, height: h, channels: 1 }), rgbToGray(ref.data), `${what}: gray input identical`);
            cases++;
          }
        }
      }
    }
  }
  t.equal(cases, 72);
});

t.test('what the fast path leaves to sharp, and what the shared decoder then gives', async (t) => {
  const src = await (await colourSource()).resize(64, 48, { fit: 'fill' }).png().toBuffer();
  const big = await sharp(src).resize(257, 256, { fit: 'fill' }).jpeg().toBuffer();
  const leftToSharp: [string, Buffer][] = [
    ['EXIF orientation 6', await sharp(src).jpeg().withMetadata({ orientation: 6 }).toBuffer()],
    ['EXIF orientation 1', await sharp(src).jpeg().withMetadata({ orientation: 1 }).toBuffer()],
    ['an ICC profile (Display P3)', await sharp(src).jpeg().withIccProfile('p3').toBuffer()],
    ['CMYK', await sharp(src).toColourspace('cmyk').jpeg().toBuffer()],
    [`over ${SMALL_JPEG_MAX_PIXELS} pixels`, big],
    [`over ${SMALL_JPEG_MAX_BYTES} bytes (zeros after the end)`, Buffer.concat([await sharp(src).jpeg().toBuffer(), Buffer.alloc(SMALL_JPEG_MAX_BYTES)])],
    ['PNG', await sharp(src).png().toBuffer()],
    ['WebP', await sharp(src).webp().toBuffer()],
  ];
  // 4:2:2 and 4:4:0 (sharp cannot write them): the 4:4:4 JPEG's sampling factors rewritten in its frame header.
  const j444 = await sharp(src).jpeg({ chromaSubsampling: '4:4:4' }).toBuffer();
  const sof = j444.indexOf(Buffer.from([0xff, 0xc0]));
  for (const [name, factor] of [
    ['4:2:2', 0x21],
    ['4:4:0', 0x12],
  ] as const) {
    const b = Buffer.from(j444);
    b[sof + 11] = factor;
    t.equal(smallJpeg(b), undefined, `${name}: left to sharp`);
  }
  for (const [what, bytes] of leftToSharp) {
    t.equal(smallJpeg(bytes), undefined, `${what}: left to sharp`);
    const ref = await viaSharp(bytes);
    const got = await decodeRgb(bytes);
    t.equal(differing({ ...got, data: new Uint8Array(got.data) }, ref), 0, `${what}: decodeRgb gives sharp's pixels`);
  }
  const oriented = leftToSharp[0][1];
  t.same(await decodeToInput(oriented, { width: 48, height: 64, channels: 1 }), rgbToGray((await viaSharp(oriented)).data), 'decodeToInput of a rotated image: upright');
  t.equal(smallJpegToInput(j444, { width: 48, height: 48, channels: 1 }), undefined, 'not of the input size: no fast model input');
  const resized = await sharp(j444).resize(48, 48, { fit: 'fill' }).raw().toBuffer();
  t.same(await decodeToInput(j444, { width: 48, height: 48, channels: 3 }), new Uint8Array(resized), '... decodeToInput resizes with sharp as before');
  t.equal(smallJpeg(j444, 64 * 48 - 1), undefined, 'over the caller pixel limit: left to sharp, which refuses it');
  await t.rejects(decodeRgb(j444, { maxPixels: 64 * 48 - 1 }), /pixel limit/);
});

t.test('a stream sharp refuses is refused by the fast path too, and the next image decodes', async (t) => {
  const src = await (await colourSource()).resize(64, 48, { fit: 'fill' }).png().toBuffer();
  const good = await sharp(src).jpeg({ quality: 80 }).toBuffer();
  const gray = await sharp(src).grayscale().jpeg().toBuffer();
  const garbage = Buffer.from(good);
  for (let i = Math.floor(good.length / 2); i < Math.floor(good.length / 2) + 64; i++) garbage[i] = (i * 37) & 0xff;
  const bad: [string, Buffer][] = [
    ['truncated near the end', good.subarray(0, good.length - 40)],
    ['truncated at half', good.subarray(0, good.length >> 1)],
    ['gray, truncated', gray.subarray(0, gray.length - 30)],
    ['garbage in the entropy-coded data', garbage],
    ['no end-of-image marker', good.subarray(0, good.length - 2)],
  ];
  for (const [what, bytes] of bad) {
    const sharpSays = await viaSharp(bytes).then(
      () => 'decoded',
      (err: Error) => err.message,
    );
    const fast = decodeSmallJpeg(bytes, 3);
    if (sharpSays === 'decoded') t.equal(differing(fast ?? { data: new Uint8Array(), width: 0, height: 0 }, await viaSharp(bytes)), 0, `${what}: sharp decodes it, the fast path alike`);
    else {
      t.equal(fast, undefined, `${what}: refused (sharp: ${sharpSays.split('\n')[0]})`);
      await t.rejects(decodeRgb(bytes), `${what}: decodeRgb still rejects`);
    }
    t.equal(differing(decodeSmallJpeg(good, 3)!, await viaSharp(good)), 0, `after ${what}: the next image decodes exactly`);
  }
});
