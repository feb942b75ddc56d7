/** shared/src/image/gray.ts: the one RGB -> gray conversion (BT.601 luma, Pillow's fixed point). */
import t from 'tap';
import { grayLevel, rgbToGray } from '../src/image/gray.js';

t.test('BT.601 luma on the encoded values, rounded half up, gray kept', async (t) => {
  // Pillow: L = (R * 19595 + G * 38470 + B * 7471 + 0x8000) >> 16
  t.same(Array.from(rgbToGray(Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 200, 150, 120]))), [76, 150, 29, 162]);
  const grays = Uint8Array.from({ length: 256 * 3 }, (_, i) => Math.floor(i / 3));
  t.same(Array.from(rgbToGray(grays)), Array.from({ length: 256 }, (_, i) => i), 'R = G = B keeps its value');
  let mismatches = 0;
  for (let r = 0; r < 256; r += 5) for (let g = 0; g < 256; g += 3) for (let b = 0; b < 256; b += 7) {
    if (grayLevel(r, g, b) !== rgbToGray(Uint8Array.from([r, g, b]))[0]) mismatches++;
    if (Math.abs(grayLevel(r, g, b) - (0.299 * r + 0.587 * g + 0.114 * b)) > 0.5 + 0.004) mismatches++; // the Q16 weights are within 1e-5 of 0.299, 0.587, 0.114
  }
  t.equal(mismatches, 0, 'grayLevel (fractional input) and rgbToGray (bytes) are the same conversion');
  t.equal(grayLevel(300, 300, 300), 255, 'clamped');
  t.throws(() => rgbToGray(new Uint8Array(4)), /threes/);
});
