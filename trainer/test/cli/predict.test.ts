// `amft predict` as a person runs it: the committed shim (what `npx amft` runs), the bundled
// default model, the sample photo in examples/, real onnxruntime sessions.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';

const root = new URL('../../../', import.meta.url).pathname;
const AMFT = join(root, 'trainer', 'bin', 'amft.js');
const PHOTO = 'examples/astronaut.jpg';
const HAVE_MODEL = existsSync(join(root, 'models', 'default', 'model.onnx'));

function amft(...args: string[]) {
  const res = spawnSync(process.execPath, [AMFT, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000, env: { ...process.env, LOG_LEVEL: 'info' } });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

t.test('amft predict on the sample photo', { skip: HAVE_MODEL ? false : 'models/default is absent' }, async (t) => {
  t.test('prints the face and its label as a table, quietly', async (t) => {
    const r = amft('predict', PHOTO);
    t.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    t.match(lines[0], /^file\s+face\s+box \(x,y,w,h\)\s+label\s+confidence$/);
    t.match(lines[1], /^examples\/astronaut\.jpg\s+1\s+\d+,\d+,\d+,\d+\s+happy\s+\d+\.\d%$/);
    t.equal(lines.length, 2, 'one face');
    t.notMatch(r.stderr + r.stdout, /looks like you are running TensorFlow\.js|E:onnxruntime/);
  });

  t.test('--json, a folder, --annotate: the /predict result per file and boxed images', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'amft-predict-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const r = amft('predict', 'examples', '--json', '--annotate', dir);
    t.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    t.match(out.model, { name: 'amft-lite-fer2013', variant: 'lite', provider: 'cpu' });
    t.same(out.results.map((x: { file: string }) => x.file), ['examples/astronaut-face.jpg', 'examples/astronaut.jpg'], 'the folder\'s images, by name');
    for (const { file, result } of out.results) {
      t.equal(result.faces.length, 1, `${file}: one face`);
      t.equal(result.faces[0].expression.label, 'happy', file);
      t.equal(result.detection, 'detected');
    }
    const full = out.results[1].result;
    const png = join(dir, 'astronaut.png');
    t.ok(existsSync(png), 'annotated image written');
    const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    t.same([info.width, info.height], [full.width, full.height]);
    // the left edge of the box is drawn in the annotation colour (#00e676)
    const b = full.faces[0].box;
    const at = (x: number, y: number) => Array.from(data.subarray((Math.round(y) * info.width + Math.round(x)) * 3, (Math.round(y) * info.width + Math.round(x)) * 3 + 3));
    const [r0, g0, b0] = at(b.x, b.y + b.height / 2);
    t.ok(g0 > 180 && r0 < 80 && b0 < 160, `box edge pixel is green: ${[r0, g0, b0]}`);
  });

  t.test('--faces near: one BlazeFace pass finds the same face', async (t) => {
    const r = amft('predict', PHOTO, '--faces', 'near', '--json');
    t.equal(r.code, 0, r.stderr);
    const [{ result }] = JSON.parse(r.stdout).results;
    t.equal(result.faces.length, 1);
    t.equal(result.faces[0].expression.label, 'happy');
  });

  t.test('--track follows the face through frames', async (t) => {
    const r = amft('predict', PHOTO, PHOTO, '--json', '--track');
    t.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    t.same(out.results.map((x: { tracked: boolean }) => x.tracked), [false, true]);
  });

  t.test('bad input: a clear message and a non-zero exit', async (t) => {
    const missing = amft('predict', 'examples/no-such.jpg');
    t.equal(missing.code, 1);
    t.match(missing.stderr, /amft predict: examples\/no-such\.jpg: no such file or folder/);
    const none = amft('predict');
    t.equal(none.code, 2);
    t.match(none.stderr, /no images given/);
    const flag = amft('predict', PHOTO, '--detect', 'sometimes');
    t.equal(flag.code, 2);
    t.match(flag.stderr, /--detect/);
    const notImage = amft('predict', 'examples/labels.csv');
    t.equal(notImage.code, 1);
    t.match(notImage.stderr, /labels\.csv/);
    t.notMatch(notImage.stderr, /\n\s+at /, 'no stack trace');
  });
});

t.test('amft --help lists predict; the shim is executable', async (t) => {
  const r = amft('--help');
  t.equal(r.code, 0);
  t.match(r.stdout, /predict\s+expressions of the faces in images/);
  const help = amft('predict', '--help');
  t.match(help.stdout, /usage: amft predict/);
  const bin = spawnSync(join(root, 'node_modules', '.bin', 'amft'), ['--help'], { encoding: 'utf8' });
  t.equal(bin.status, 0, 'node_modules/.bin/amft runs (linked by npm from trainer/package.json "bin")');
});
