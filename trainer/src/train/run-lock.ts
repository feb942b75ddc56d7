// One writer per run directory. `amft train` holds <out>/run.lock (JSON: pid, host, start time)
// while it runs; a second process on the same directory is refused with who holds it. A lock left
// by a process that no longer runs (kill -9, a crash, a reboot) is taken over.
import { readFile, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

export const LOCK_FILE = 'run.lock';

const LockInfo = z.object({ pid: z.number().int().positive(), host: z.string(), since: z.string() });
type LockInfo = z.infer<typeof LockInfo>;

export interface RunLock {
  readonly path: string;
  /** Removes the lock file (if it is still ours). */
  release(): Promise<void>;
}

/** Whether process `pid` runs on this machine (EPERM: it runs, as another user). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(path: string): Promise<LockInfo | 'absent' | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw err;
  }
  const parsed = LockInfo.safeParse((() => { try { return JSON.parse(text) as unknown; } catch { return null; } })());
  return parsed.success ? parsed.data : 'unreadable';
}

/**
 * Takes `<runDir>/run.lock` for this process, or throws naming the process that holds it. A lock
 * whose process is gone (same host), or an unreadable one (a crash while writing it), is replaced.
 */
export async function acquireRunLock(runDir: string): Promise<RunLock> {
  const path = join(runDir, LOCK_FILE);
  const mine: LockInfo = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(path, JSON.stringify(mine), { flag: 'wx' });
      return {
        path,
        async release() {
          const now = await readLock(path);
          if (typeof now === 'object' && now.pid === mine.pid && now.host === mine.host) await unlink(path).catch(() => {});
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const held = await readLock(path);
    if (held === 'absent') continue; // released meanwhile
    if (held !== 'unreadable') {
      if (held.host !== mine.host) {
        throw new Error(`${runDir} is locked by process ${held.pid} on ${held.host} (since ${held.since}); if that run is gone, delete ${path}`);
      }
      if (running(held.pid)) {
        throw new Error(`${runDir} is in use by process ${held.pid} (since ${held.since}): one run directory takes one training process; stop that one, or train into another --out`);
      }
    }
    await unlink(path).catch(() => {}); // stale: its process is gone
  }
  throw new Error(`could not lock ${runDir}: ${path} keeps reappearing`);
}
