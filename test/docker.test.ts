// No docker engine runs on CI: check what can be checked without one — every file a Dockerfile
// copies exists, the entrypoints are real built programs that answer, and compose points at them.
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = new URL('..', import.meta.url).pathname;
const read = (p: string) => readFileSync(join(root, p), 'utf8');

function instructions(dockerfile: string): Array<[string, string]> {
  return dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const i = l.indexOf(' ');
      return [l.slice(0, i).toUpperCase(), l.slice(i + 1)] as [string, string];
    });
}

for (const file of ['docker/trainer.Dockerfile', 'docker/service.Dockerfile']) {
  t.test(`${file}: copied paths exist and the entrypoint runs`, async (t) => {
    const ins = instructions(read(file));
    for (const [op, args] of ins.filter(([op]) => op === 'COPY')) {
      if (args.includes('--from=')) continue;
      const parts = args.split(/\s+/).filter((a) => !a.startsWith('--'));
      for (const src of parts.slice(0, -1)) t.ok(existsSync(join(root, src)), `${op} ${src} exists`);
    }
    const entry = ins.find(([op]) => op === 'ENTRYPOINT');
    t.ok(entry, 'has an ENTRYPOINT');
    const argv = JSON.parse(entry![1]) as string[];
    t.equal(argv[0], 'node');
    const script = join(root, argv[1].replace(/^\/app\//, ''));
    t.ok(existsSync(script), `entrypoint ${argv[1]} is built by tsc -b`);
    const res = spawnSync(process.execPath, [script, '--help'], { encoding: 'utf8', timeout: 60_000 });
    t.equal(res.status, 0, `${argv[1]} --help exits 0: ${res.stderr}`);
    t.match(res.stdout, /usage/i);
  });
}

t.test('service image has a health check on /healthz and runs as non-root', async (t) => {
  const s = read('docker/service.Dockerfile');
  t.match(s, /HEALTHCHECK[\s\S]*\/healthz/);
  t.match(s, /^USER (?!root)\S+/m);
  t.match(s, /ONNXRUNTIME_NODE_INSTALL=cuda12/);
  t.match(s, /COPY openapi\.yaml/, 'the service reads openapi.yaml at start');
  t.match(s, /FER_MODEL_DIR=\/models\/default/, 'the bundled default model is the one served');
});

t.test('compose builds both images from these Dockerfiles and shares a models volume', async (t) => {
  const compose = parse(read('docker/compose.yaml')) as {
    services: Record<string, { build: { dockerfile: string }; volumes: string[] }>;
    volumes: Record<string, unknown>;
  };
  for (const name of ['trainer', 'service']) {
    const svc = compose.services[name];
    t.ok(existsSync(join(root, svc.build.dockerfile)), `${name} Dockerfile exists`);
    t.ok(svc.volumes.some((v) => v.startsWith('models:')), `${name} mounts models`);
  }
  t.ok('models' in compose.volumes);
});
