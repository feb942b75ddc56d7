// Detection benchmark: the measurements the strategy in services/src/pipeline/detect/plan.ts
// rests on. Prints Markdown; nothing is asserted. Needs ../shared/data/faces/astronaut.png.
//   npx tsx bench/detect.ts [--runs 30]
// 1. Range of each BlazeFace model: faces of each size pasted into a picture of exactly the
//    model's input size (16 per picture where they fit), found with IoU >= 0.5, and false ones.
// 2. Time per detector run (onnxruntime-node, 1 thread).
// 3. The strategies on composed photos: faces found of those placed, extra ones, detector runs,
//    milliseconds per photo (decode excluded).
import { z } from 'zod';
import { boxIou, bundledDetectorPath, FaceDetector, findFaces, letterbox, toImage, type Detectors } from '../services/src/pipeline/detect/index.js';
import { groupPicture, matchBoxes, rows, type Placement } from '../services/test/fixtures/group-picture.js';
import { benchFlags } from './flags.js';

const flags = benchFlags(
  z.object({ runs: z.number().int().positive().default(30).meta({ arg: 'n', description: 'Timed runs per detector.' }) }),
  'npx tsx bench/detect.ts [options]',
);
const open = (v: 'front' | 'back') => FaceDetector.open(bundledDetectorPath(v), { device: 'cpu', threads: 1 }, { minScore: 0.5 });
const [front, back] = await Promise.all([open('front'), open('back')]);
const detectors: Detectors = { front, back, near: front };
const out: string[] = ['# Face detection benchmark', ''];

out.push('## Faces found by size (pixels of the model input)', '', '| model | ' + [8, 10, 12, 14, 16, 18, 20, 24, 32, 48, 64, 96, 128, 160, 180, 200, 240].join(' | ') + ' |');
out.push('| --- |' + ' ---: |'.repeat(17));
for (const d of [front, back]) {
  const S = d.inputSize;
  const cells: string[] = [];
  for (const size of [8, 10, 12, 14, 16, 18, 20, 24, 32, 48, 64, 96, 128, 160, 180, 200, 240]) {
    const side = (size * 160) / 98;
    const per = Math.min(4, Math.floor((S - 8) / (side + 8)));
    let faces: Placement[];
    if (per >= 1) faces = Array.from({ length: per * per }, (_, k) => ({ cx: 8 + (k % per) * (side + 8) + side / 2, cy: 8 + Math.floor(k / per) * (side + 8) + side / 2, size, flip: k % 2 === 1 }));
    else if (size <= S * 1.1) faces = [{ cx: S / 2, cy: S / 2, size }];
    else {
      cells.push('');
      continue;
    }
    const { raw, truth } = await groupPicture(S, S, faces, size);
    const { input, view } = await letterbox({ data: raw, width: S, height: S, format: 'raw' }, S);
    const found = (await d.run(input)).map((x) => toImage(x, view)).map((x) => ({ x: x.xmin, y: x.ymin, width: x.xmax - x.xmin, height: x.ymax - x.ymin }));
    const m = matchBoxes(found, truth, boxIou);
    cells.push(`${truth.length - m.missed.length}/${truth.length}${m.extra.length ? ` +${m.extra.length}` : ''}`);
  }
  out.push(`| ${d.name} | ${cells.join(' | ')} |`);
}
out.push('', '"+n": boxes that match no placed face (parts of a face, or a false one).', '');

out.push('## Time per detector run', '', '| model | ms per run |', '| --- | ---: |');
for (const d of [front, back]) {
  const x = new Float32Array(d.inputSize * d.inputSize * 3);
  for (let i = 0; i < 3; i++) await d.run(x);
  const n = flags.runs;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await d.run(x);
  out.push(`| ${d.name} | ${((performance.now() - t0) / n).toFixed(2)} |`);
}
out.push('');

out.push('## Strategies on composed photos (minFaceSize 40)', '', '| photo | strategy | found | extra | detector runs | ms per photo |', '| --- | --- | ---: | ---: | ---: | ---: |');
const photos: [string, number, number, number[]][] = [
  ['640x480, one face of 90 px', 640, 480, [90]],
  ['640x480, faces of 40-150 px', 640, 480, [40, 48, 64, 100, 150]],
  ['1280x720, ten faces of 90-170 px', 1280, 720, [90, 100, 110, 120, 130, 140, 150, 160, 170, 95]],
  ['2048x1536 group selfie (800 + 5x100 px)', 2048, 1536, [100, 100, 800, 100, 100, 100]],
  ['4096x3072, twelve faces of 40-400 px', 4096, 3072, [40, 44, 52, 60, 72, 90, 120, 160, 200, 260, 330, 400]],
];
for (const [name, w, h, sizes] of photos) {
  const { raw, truth } = await groupPicture(w, h, rows(w, h, sizes), sizes.length);
  const img = { data: raw, width: w, height: h, format: 'raw' as const };
  for (const strategy of ['near', 'all'] as const) {
    await findFaces(img, detectors, { strategy, minFaceSize: 40 });
    const reps = w * h > 4e6 ? 1 : 5;
    const t0 = performance.now();
    let r = await findFaces(img, detectors, { strategy, minFaceSize: 40 });
    for (let i = 1; i < reps; i++) r = await findFaces(img, detectors, { strategy, minFaceSize: 40 });
    const ms = (performance.now() - t0) / reps;
    const m = matchBoxes(
      r.faces.map((f) => f.box),
      truth,
      boxIou,
    );
    out.push(`| ${name} | ${strategy} | ${truth.length - m.missed.length}/${truth.length} | ${m.extra.length} | ${r.runs} | ${ms.toFixed(0)} |`);
  }
}
await Promise.all([front.release(), back.release()]);
process.stdout.write(`${out.join('\n')}\n`);
