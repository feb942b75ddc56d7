// image-header.ts: the size read from JPEG and PNG headers in JavaScript agrees with sharp's
// reading of the same bytes (baseline, progressive, EXIF, gray, odd sizes); what it cannot be
// sure of gives undefined, and readHeader then asks sharp as before.
import t from 'tap';
import sharp from 'sharp';
import { headerSize } from '../../src/pipeline/image-header.js';
import { readHeader } from '../../src/pipeline/decode.js';

const noise = (w: number, h: number, c: 1 | 3) => {
  const px = Buffer.alloc(w * h * c);
  for (let i = 0; i < px.length; i++) px[i] = (i * 31 + ((i / w) | 0) * 7) % 256;
  return sharp(px, { raw: { width: w, height: h, channels: c } });
};

t.test('JPEG and PNG sizes agree with sharp', async (t) => {
  const images: [string, Buffer, string][] = [
    ['48x48 gray JPEG', await noise(48, 48, 1).jpeg().toBuffer(), 'jpeg'],
    ['640x480 JPEG', await noise(640, 480, 3).jpeg({ quality: 90 }).toBuffer(), 'jpeg'],
    ['progressive 301x97 JPEG', await noise(301, 97, 3).jpeg({ progressive: true }).toBuffer(), 'jpeg'],
    ['JPEG with EXIF orientation 6', await noise(120, 40, 3).jpeg().withMetadata({ orientation: 6 }).toBuffer(), 'jpeg'],
    ['4:2:0 JPEG with restart markers', await noise(77, 1201, 3).jpeg({ chromaSubsampling: '4:2:0' }).toBuffer(), 'jpeg'],
    ['PNG', await noise(33, 65, 3).png().toBuffer(), 'png'],
    ['gray PNG', await noise(1000, 3, 1).png().toBuffer(), 'png'],
  ];
  for (const [what, bytes, format] of images) {
    const meta = await sharp(bytes).metadata();
    t.same(headerSize(bytes, format), { width: meta.width, height: meta.height }, what);
    t.same(await readHeader(bytes, what), { format, width: meta.width, height: meta.height }, `${what} through readHeader`);
  }
});

t.test('unsure headers give undefined; readHeader falls back to sharp', async (t) => {
  const jpeg = await noise(64, 32, 3).jpeg().toBuffer();
  t.equal(headerSize(jpeg.subarray(0, 20), 'jpeg'), undefined, 'cut before the frame header');
  const zeroHeight = Buffer.from(jpeg);
  const sof = zeroHeight.indexOf(Buffer.from([0xff, 0xc0]));
  zeroHeight[sof + 5] = 0;
  zeroHeight[sof + 6] = 0;
  t.equal(headerSize(zeroHeight, 'jpeg'), undefined, 'height 0 (DNL)');
  t.equal(headerSize(Buffer.from([0xff, 0xd8, 0xff, 0xda, 0, 8]), 'jpeg'), undefined, 'scan before any frame');
  const png = await noise(30, 20, 3).png().toBuffer();
  const garbage = Buffer.concat([png.subarray(0, 16), Buffer.alloc(200, 7)]);
  t.equal(headerSize(garbage, 'png'), undefined, 'PNG whose IHDR fails its CRC');
  await t.rejects(readHeader(garbage, 'bad.png'), { code: 'FER_ERR_BAD_IMAGE' }, 'garbage after the PNG signature is still a 400 from sharp');
  const webp = await noise(40, 20, 3).webp().toBuffer();
  t.equal(headerSize(webp, 'webp'), undefined, 'WebP is left to sharp');
  t.same(await readHeader(webp, 'w.webp'), { format: 'webp', width: 40, height: 20 });
  await t.rejects(readHeader(jpeg.subarray(0, 20), 'cut.jpg'), { code: 'FER_ERR_BAD_IMAGE' }, 'a cut header is still a 400 from sharp');
});
