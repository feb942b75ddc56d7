// What a person sees from `amft` and `npm start`: no TensorFlow.js banner, no onnxruntime error
// line when CUDA is absent, one line naming the execution provider and why, JSON logs off a
// terminal and pretty ones on it, and a listening line that names /docs and /.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { planProviders } from '../services/src/inference/session.js';

const root = new URL('..', import.meta.url).pathname;
const AMFT = join(root, 'trainer', 'bin', 'amft.js');
const SERVER = join(root, 'services', 'dist', 'server.js');
const BANNER = /looks like you are running TensorFlow\.js/;
const ORT_ERROR = /\[E:onnxruntime/;

t.test('amft info prints its table and nothing else', async (t) => {
  const r = spawnSync(process.execPath, [AMFT, 'info', '--variant', 'lite'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^variant\s+lite\n/);
  t.notMatch(r.stdout + r.stderr, BANNER);
  t.equal(r.stderr, '', 'stderr is empty');
});

/** Runs the server until its output matches `until` (or 60 s), then stops it; stdout + stderr. */
function serverOutput(cmd: string, args: string[], until: RegExp): Promise<{ out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, FER_WARMUP: 'false', FER_WORKERS: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const stop = () => child.kill('SIGTERM');
    const timer = setTimeout(stop, 60_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (until.test(out)) stop();
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', () => {
      clearTimeout(timer);
      resolve({ out, err });
    });
  });
}

const CUDA_INSTALLED = planProviders('cuda').providers.includes('cuda');

t.test('the service asked for CUDA on a machine without its provider: one clear line, no onnxruntime error', { skip: CUDA_INSTALLED ? 'the CUDA provider is installed here' : false }, async (t) => {
  const { out, err } = await serverOutput(process.execPath, [SERVER, '--port', '0', '--device', 'cuda'], /"msg":"listening"/);
  t.notMatch(out + err, ORT_ERROR);
  t.notMatch(out + err, BANNER);
  const lines = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
  const loaded = lines.find((l) => l.msg === 'model loaded');
  t.match(loaded, { provider: 'cpu', providerReason: /cuda provider is not installed/ });
  const listening = lines.find((l) => l.msg === 'listening');
  t.ok(listening, 'logs listening');
  t.equal(listening!.docs, `${listening!.url}/docs`);
  t.equal(listening!.page, `${listening!.url}/`);
});

t.test('planProviders: the CUDA provider is tried only when its libraries are there', async (t) => {
  t.same(planProviders('cpu', '/nonexistent'), { providers: ['cpu'], reason: "device 'cpu' requested" });
  const cuda = planProviders('cuda', '/nonexistent');
  t.same(cuda.providers, ['cpu']);
  t.match(cuda.reason, /ONNXRUNTIME_NODE_INSTALL=cuda12/);
  t.throws(() => planProviders('tpu'), /unknown device 'tpu'; known devices: cpu, cuda/);
});

t.test('pretty logs on a terminal', { skip: existsSync('/usr/bin/script') ? false : 'no script(1) to give the server a terminal' }, async (t) => {
  const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(SERVER)} --port 0`;
  const { out } = await serverOutput('script', ['-qec', cmd, '/dev/null'], /listening[\s\S]*page/);
  const text = out.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');
  t.match(text, /INFO.*: listening/);
  t.match(text, /docs: "http:\/\/127\.0\.0\.1:\d+\/docs"/);
  t.notMatch(text, /"level":30/, 'not JSON');
});
