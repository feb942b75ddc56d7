// CPU time of each thread of a process, from /proc/<pid>/task/<tid>/stat (Linux): utime + stime
// in clock ticks (USER_HZ, 100 a second). Node leaves most of its threads unnamed ("node"), so a
// thread is its name and id, and the main thread (id = pid) is "main".
import { existsSync, readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10;

/** CPU milliseconds per thread ("main", else "name tid"); empty where /proc is absent. */
export function threadCpuMs(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  const dir = `/proc/${pid}/task`;
  if (!existsSync(dir)) return out;
  for (const tid of readdirSync(dir)) {
    let stat: string;
    try {
      stat = readFileSync(`${dir}/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    // pid (comm) state ... : comm may hold spaces and parentheses, so split after the last ')'.
    const close = stat.lastIndexOf(')');
    const name = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    const ms = (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime, stime: fields 14 and 15 of stat
    out.set(Number(tid) === pid ? 'main' : `${name} ${tid}`, ms);
  }
  return out;
}

/** `after - before` per thread name, largest first. */
export function cpuDelta(before: Map<string, number>, after: Map<string, number>): [string, number][] {
  return [...after.entries()].map(([k, v]): [string, number] => [k, v - (before.get(k) ?? 0)]).sort((a, b) => b[1] - a[1]);
}
