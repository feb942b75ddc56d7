// The built service (services/dist/server.js) as a child process on 127.0.0.1 and a free port,
// for the benchmarks: started, waited for until /readyz says 200, stopped with SIGTERM.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SERVER = join(fileURLToPath(new URL('..', import.meta.url)), 'services', 'dist', 'server.js');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface BuiltService {
  url: string;
  pid: number;
  stop: () => Promise<void>;
}

export async function startService(modelDir: string, args: readonly string[] = [], nodeArgs: readonly string[] = []): Promise<BuiltService> {
  if (!existsSync(SERVER)) throw new Error(`${SERVER} is not built: run npm run build`);
  const port = await freePort();
  // Logs at the default level go to /dev/null: the service pays for logging as deployed.
  const child = spawn(process.execPath, [...nodeArgs, SERVER, '--host', '127.0.0.1', '--port', String(port), '--model-dir', modelDir, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr: string[] = [];
  child.stderr!.on('data', (d: Buffer) => stderr.push(String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  const end = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the service exited (${child.exitCode}): ${stderr.join('')}`);
    const ok = await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (Date.now() > end) throw new Error('the service did not become ready in 120 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
