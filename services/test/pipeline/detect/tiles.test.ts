import t from 'tap';
import { tileGrid, tileStarts, tileView } from '../../../src/pipeline/detect/tiles.js';

t.test('tile starts cover the side, overlapping by at least the overlap, evenly', async (t) => {
  t.same(tileStarts(200, 256, 72), [0], 'a side that fits in one tile');
  t.same(tileStarts(256, 256, 72), [0]);
  for (const length of [257, 500, 1000, 1638, 4096]) {
    const s = tileStarts(length, 256, 72);
    t.equal(s[0], 0);
    t.equal(s[s.length - 1], length - 256, `${length}: the last tile ends at the edge`);
    for (let i = 1; i < s.length; i++) t.ok(s[i - 1] + 256 - s[i] >= 72, `${length}: tiles ${i - 1} and ${i} overlap by >= 72`);
    // Any 72-pixel segment lies inside some tile.
    for (let x = 0; x + 72 <= length; x += 7) t.ok(s.some((a) => a <= x && x + 72 <= a + 256), `${length}: [${x}, ${x + 72}] inside a tile`) || t.end();
  }
  t.throws(() => tileStarts(1000, 256, 256), RangeError);
});

t.test('tile grid and the view of a tile', async (t) => {
  const grid = tileGrid(500, 300, 256, 72);
  t.equal(grid.length, 3 * 2, '500 px needs three tiles (two would overlap by 12), 300 px two');
  t.same(grid.slice(0, 3), [
    { x: 0, y: 0 },
    { x: 122, y: 0 },
    { x: 244, y: 0 },
  ]);
  t.same(grid[5], { x: 244, y: 44 });
  // The image was scaled from 1000x600 to 500x300: tile pixels map back at 2x.
  const v = tileView(244, 0, 256, 1000, 600, 500, 300);
  t.match(v, { x0: 488, y0: 0, sx: 2, sy: 2 });
  t.same(v.cut, [0, -1, -1, 256], 'cut on the left and at the bottom; the image ends right and on top');
});
