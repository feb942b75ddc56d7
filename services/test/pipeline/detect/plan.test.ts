import t from 'tap';
import { BACK_MIN_FACE, planPasses, smallestFace, TILE_MIN_FACE, type Pass } from '../../../src/pipeline/detect/plan.js';

const kinds = (ps: Pass[]) => ps.map((p) => (p.kind === 'tiles' ? `tiles@${p.scaledWidth}x${p.scaledHeight}` : `${p.model}${p.kind === 'whole' && p.ifFaceOver ? '?' : ''}`));

t.test('the passes by image size and strategy', async (t) => {
  const all = { strategy: 'all' as const, minFaceSize: 40 };
  t.same(kinds(planPasses(4096, 3072, { strategy: 'near', minFaceSize: 40 })), ['near'], 'near: one pass whatever the size');
  t.same(kinds(planPasses(48, 48, all)), ['front'], 'a crop: the front model sees its face');
  t.same(kinds(planPasses(256, 200, all)), ['front'], '256 px: a 40 px face is 20 px in the front input');
  t.same(kinds(planPasses(640, 480, all)), ['back', 'front?'], '640x480: one back pass finds faces from 40 px; the front pass only if needed');
  t.same(kinds(planPasses(1280, 720, all)), ['back', 'tiles@640x360', 'front?']);
  t.same(kinds(planPasses(4096, 3072, all)), ['back', 'tiles@2048x1536', 'tiles@640x480', 'front?']);
  t.same(kinds(planPasses(1280, 720, { strategy: 'all', minFaceSize: 80 })), ['back', 'front?'], 'a larger smallest face needs no tiles');
});

t.test('every face size from the smallest wanted up is in the range of a pass', async (t) => {
  for (const [w, h, m] of [
    [640, 480, 40],
    [1280, 720, 40],
    [2400, 1600, 40],
    [4096, 3072, 40],
    [4096, 4096, 16],
    [3000, 200, 40],
  ]) {
    const passes = planPasses(w, h, { strategy: 'all', minFaceSize: m });
    const ranges = passes.map((p) => p.range).sort((a, b) => a[0] - b[0]);
    const smallest = smallestFace(w, h, m);
    t.ok(ranges[0][0] <= smallest, `${w}x${h}: the smallest range starts at or below ${smallest}`);
    let reach = ranges[0][1];
    for (const [lo, hi] of ranges.slice(1)) {
      t.ok(lo <= reach * 1.0001, `${w}x${h}: no gap before ${lo.toFixed(1)} (covered to ${reach.toFixed(1)})`);
      reach = Math.max(reach, hi);
    }
    t.equal(reach, Infinity, `${w}x${h}: up to any size`);
    for (const p of passes) if (p.kind === 'tiles') t.ok(Math.abs((p.range[0] * p.scaledWidth) / w - TILE_MIN_FACE) < 0.5, 'a tile level scales its smallest face to 20 px');
  }
  t.equal(BACK_MIN_FACE, 16);
  t.equal(smallestFace(48, 48, 40), 24, 'at most half the short side');
});

t.test('the tiles of an image are bounded', async (t) => {
  t.equal(smallestFace(4096, 3072, 40), 40, 'a 4096x3072 photo gets 40 px faces');
  t.ok(Math.abs(smallestFace(8192, 6144, 40) - 80) < 1e-9, 'twice the sides: twice the smallest face');
  const tiles = planPasses(8192, 6144, { strategy: 'all', minFaceSize: 16 }).filter((p) => p.kind === 'tiles');
  t.ok(tiles.every((p) => p.kind === 'tiles' && p.scaledWidth * p.scaledHeight <= 2048 * 1536 + 8192), 'no level over the budget');
});
