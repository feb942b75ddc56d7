import t from 'tap';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { modelInfo } from '../../src/cli/info.js';

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

t.test('seed has exactly the original project parameter counts', async (t) => {
  t.equal(modelInfo('seed', false).trainableParams, 49_251_400);
  t.equal(modelInfo('seed', true).trainableParams, 51_600_200);
});

t.test('lite stays within its budget (<= 2 M parameters, <= 200 MFLOPs per face)', async (t) => {
  for (const lstm of [false, true]) {
    const info = modelInfo('lite', lstm);
    t.ok(info.trainableParams <= 2_000_000, `lite${lstm ? '+lstm' : ''} params ${info.trainableParams}`);
    t.ok(info.flopsPerImage <= 200e6, `lite flops ${info.flopsPerImage}`);
    t.ok(info.flopsPerImage > 10e6, 'flops are counted');
  }
});

t.test('amft info --variant seed --json (the built CLI)', async (t) => {
  for (const [args, expected] of [
    [['info', '--variant', 'seed', '--json'], 49_251_400],
    [['info', '--variant', 'seed', '--lstm', '--json'], 51_600_200],
  ] as const) {
    const res = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
    t.equal(res.status, 0, res.stderr);
    const info = JSON.parse(res.stdout) as Record<string, unknown>;
    t.equal(info.trainableParams, expected);
    for (const key of ['variant', 'inputShape', 'trainableParams', 'totalParams', 'flopsPerImage']) t.ok(key in info, `prints ${key}`);
  }
  const bad = spawnSync(process.execPath, [cli, 'info', '--variant', 'huge'], { encoding: 'utf8' });
  t.equal(bad.status, 2);
  t.match(bad.stderr, /variant/);
});
