import t from 'tap';
import { followLargest, greedyMatch, predictBox, trackFaces } from '../../src/pipeline/track.js';
import type { Box } from '../../src/pipeline/detect/index.js';

const box = (x: number, y: number, s = 40): Box => ({ x, y, width: s, height: s });
/** Which track holds face `face` of frame `frame`. */
const owner = (tracks: ReturnType<typeof trackFaces>, frame: number, face: number) => tracks.find((tr) => tr.hits.some((h) => h.frame === frame && h.face === face))?.id;

t.test('greedy matching takes the best pairs first, each row and column once', async (t) => {
  t.same(
    greedyMatch(
      [
        [0.9, 0.8],
        [0.85, 0.1],
      ],
      0.2,
    ),
    [[0, 0]],
    'row 1 would only take column 1 at 0.1, under the floor',
  );
  t.same(
    greedyMatch(
      [
        [0.5, 0.6],
        [0.7, 0.3],
      ],
      0.2,
    ),
    [
      [1, 0],
      [0, 1],
    ],
  );
});

t.test('a track predicts its box from its last displacement', async (t) => {
  const hits = [
    { frame: 0, box: box(0, 0) },
    { frame: 1, box: box(10, 5) },
  ];
  t.same(predictBox(hits, 2), box(20, 10));
  t.same(predictBox(hits, 4), box(40, 20), 'over missed frames too');
  t.same(predictBox(hits.slice(0, 1), 3), box(0, 0), 'one box: stays');
});

t.test('two faces that cross keep their ids (their boxes overlap as they pass)', async (t) => {
  // A moves right, B moves left, 20 px a frame, 10 px apart vertically. As they pass (frames 4
  // to 5), A's frame-4 box overlaps B's frame-5 box (IoU 0.6) more than A's own (0.33): matching
  // the last boxes would swap the ids; the predicted boxes do not.
  const frames: Box[][] = [];
  for (let f = 0; f < 10; f++) frames.push([box(100 + 20 * f, 100), box(280 - 20 * f, 110)].sort(() => (f % 2 ? 1 : -1)));
  const tracks = trackFaces(frames);
  t.equal(tracks.length, 2);
  for (const tr of tracks) {
    t.equal(tr.hits.length, 10, `track ${tr.id} covers every frame`);
    const xs = tr.hits.map((h) => frames[h.frame][h.face].x);
    const dir = Math.sign(xs[1] - xs[0]);
    t.ok(
      xs.every((x, i) => i === 0 || Math.sign(x - xs[i - 1]) === dir),
      `track ${tr.id} keeps going one way: ${xs.join(', ')}`,
    );
  }
});

t.test('births, gaps bridged, ends, and one-frame noise', async (t) => {
  const a = (f: number) => box(100 + 5 * f, 100);
  const frames: Box[][] = [
    [a(0)],
    [a(1), box(400, 400)], // a one-frame false face
    [a(2)],
    [], // A missed for two frames
    [],
    [a(5), box(300, 50)], // B is born
    [box(302, 50)],
    [box(304, 50)],
    [box(306, 50)],
    [box(308, 50)],
    [box(310, 50), a(10)], // A again after 4 missed frames: a new track
    [box(312, 50), a(11)],
  ];
  const tracks = trackFaces(frames);
  t.same(
    tracks.map((tr) => [tr.id, tr.hits[0].frame, tr.hits[tr.hits.length - 1].frame, tr.hits.length]),
    [
      [1, 0, 5, 4],
      [2, 5, 11, 7],
      [3, 10, 11, 2],
    ],
    'A bridges a gap of 2; B lives from frame 5; A, gone for 4 frames, comes back as track 3',
  );
  t.equal(owner(tracks, 1, 1), undefined, 'the one-frame face is dropped');
  t.same(
    trackFaces([[box(0, 0)]]).map((tr) => tr.hits.length),
    [1],
    'a one-frame clip keeps its faces',
  );
});

t.test('followLargest: the single face of the compatible answer', async (t) => {
  const frames: Box[][] = [[], [box(0, 0, 20), box(100, 100, 50)], [box(0, 0, 20), box(105, 100, 50)], [box(300, 300, 30)]];
  t.same(followLargest(frames), [
    { face: -1, tracked: false },
    { face: 1, tracked: false },
    { face: 1, tracked: true },
    { face: 0, tracked: false },
  ]);
});
