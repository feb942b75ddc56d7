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

/** A Dockerfile's stages by name (`FROM image AS name`), each with its instructions. */
function stages(dockerfile: string): Map<string, { from: string; ins: Array<[string, string]> }> {
  const out = new Map<string, { from: string; ins: Array<[string, string]> }>();
  let current: { from: string; ins: Array<[string, string]> } | undefined;
  instructions(dockerfile).forEach(([op, args], i) => {
    if (op === 'FROM') {
      const [from, , name] = args.split(/\s+/);
      current = { from, ins: [] };
      out.set(name ?? `stage-${i}`, current);
    } else current?.ins.push([op, args]);
  });
  return out;
}

t.test('service image: a gpu and a cpu target, each with a health check on /healthz, non-root', async (t) => {
  const s = read('docker/service.Dockerfile');
  const st = stages(s);
  t.ok(st.has('cpu') && st.has('gpu'), 'targets cpu and gpu');
  t.equal([...st.keys()].at(-1), 'gpu', 'gpu is the default (last) target');
  for (const name of ['cpu', 'gpu']) {
    const text = st.get(name)!.ins.map(([op, a]) => `${op} ${a}`).join('\n');
    t.match(text, /HEALTHCHECK[\s\S]*\/healthz/, `${name}: health check`);
    t.match(text, /^USER (?!root)\S+/m, `${name}: non-root`);
    t.match(text, /FER_MODEL_DIR=\/models\/default/, `${name}: the bundled default model is the one served`);
    t.match(text, /^ENTRYPOINT \["node", "\/app\/services\/dist\/server\.js"\]/m, `${name}: entrypoint`);
  }
  t.notMatch(st.get('cpu')!.from, /nvidia|cuda/, 'the cpu target has no CUDA base');
  t.match(st.get('cpu')!.ins.map((i) => i[1]).join(' '), /FER_DEVICE=cpu/);
  t.match(st.get('gpu')!.from, /^nvidia\/cuda:12/);
  t.match(st.get('gpu')!.ins.map((i) => i[1]).join(' '), /FER_DEVICE=cuda/);
  const cudaInstall = [...st].filter(([, v]) => v.ins.some(([, a]) => /ONNXRUNTIME_NODE_INSTALL=cuda12/.test(a))).map(([k]) => k);
  t.same(cudaInstall, ['build-gpu'], "onnxruntime-node's CUDA provider is fetched for the gpu target only");
  t.match(s, /COPY openapi\.yaml/, 'the service reads openapi.yaml at start');
});

t.test('both images install with the repository .npmrc (install scripts off) and run only the scripts they need', async (t) => {
  t.match(read('.npmrc'), /^ignore-scripts=true$/m);
  for (const file of ['docker/trainer.Dockerfile', 'docker/service.Dockerfile']) {
    const ins = instructions(read(file));
    const npmrc = ins.findIndex(([op, a]) => op === 'COPY' && /(^|\s)\.npmrc\s/.test(a));
    const ci = ins.findIndex(([op, a]) => op === 'RUN' && /npm ci/.test(a));
    t.ok(npmrc >= 0 && npmrc < ci, `${file}: .npmrc is copied before npm ci`);
  }
  const trainer = read('docker/trainer.Dockerfile');
  t.match(trainer, /npm rebuild @tensorflow\/tfjs-node-gpu --ignore-scripts=false/, "the trainer image runs tfjs-node-gpu's script");
  t.match(trainer, /fonts-dejavu-core/, 'fonts for the text in curves.png and confusion.png');
});

t.test('.dockerignore keeps installs and build output out of the context', async (t) => {
  const lines = read('.dockerignore').split('\n').map((l) => l.trim());
  for (const p of ['**/node_modules', '**/dist', 'runs', '**/*.tsbuildinfo']) t.ok(lines.includes(p), p);
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

t.test('compose: a cpu profile that needs no GPU, a gpu profile that reserves one', async (t) => {
  type Svc = { build: { target?: string }; profiles?: string[]; deploy?: { resources?: { reservations?: { devices?: unknown[] } } } };
  const compose = parse(read('docker/compose.yaml')) as { services: Record<string, Svc> };
  const byProfile = (p: string) => Object.values(compose.services).filter((s) => s.profiles?.includes(p));
  const [cpu] = byProfile('cpu');
  const [gpu] = byProfile('gpu');
  t.equal(cpu.build.target, 'cpu');
  t.notOk(cpu.deploy?.resources?.reservations?.devices, 'the cpu service reserves no device');
  t.equal(gpu.build.target, 'gpu');
  t.ok(gpu.deploy?.resources?.reservations?.devices?.length, 'the gpu service reserves one');
  const targets = [...stages(read('docker/service.Dockerfile')).keys()];
  t.ok(targets.includes('cpu') && targets.includes('gpu'), 'the targets exist');
});

t.test('checkpoint paths in compose and the README are where the trainer writes them', async (t) => {
  for (const file of ['docker/compose.yaml', 'README.md']) {
    const paths = [...read(file).matchAll(/--checkpoint (\S+)/g)].map((m) => m[1]).filter((p) => p.startsWith('/runs/') || p.startsWith('runs/'));
    for (const p of paths) t.match(p, /\/checkpoints\/(best|last)$/, `${file}: ${p}`);
  }
});
