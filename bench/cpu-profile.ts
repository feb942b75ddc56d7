// Self time of a V8 .cpuprofile (node --cpu-prof) grouped by where the code lives: a package
// under node_modules, a file of ours, Node's internals, the garbage collector. Shares are of the
// thread's busy samples ((idle) left out); native work on libuv's or onnxruntime's threads is
// not in a JS profile and shows as (program) only when the JS thread waits on it.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  /** Microseconds on the monotonic clock (CLOCK_MONOTONIC, as process.hrtime in any process here). */
  startTime: number;
}

/** The group a frame's self time is counted under. */
export function frameGroup(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : `native: ${functionName || '(anonymous)'}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return `node: ${url.slice(5).replace(/^internal\//, '').split('/')[0]}`;
  const ours = /\/(services|shared)\/(?:dist|src)\/(.+?)\.[jt]s$/.exec(url);
  if (ours) return `${ours[1]}/${ours[2]}`;
  return url.split('/').slice(-2).join('/');
}

export interface CostRow {
  group: string;
  ms: number;
  share: number;
}

/**
 * Busy milliseconds and the groups of a profile, largest first; with `window` (monotonic
 * microseconds, e.g. from process.hrtime.bigint() / 1000n), only the samples taken within it
 * (the load, not the start-up).
 */
export function profileCosts(profile: CpuProfile, window?: { fromUs: number; toUs: number }): { busyMs: number; rows: CostRow[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const ms = new Map<string, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (window && (at < window.fromUs || at > window.toUs)) return;
    const n = byId.get(id);
    if (!n) return;
    const g = frameGroup(n.callFrame.url, n.callFrame.functionName);
    if (g === '(idle)') return;
    ms.set(g, (ms.get(g) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const busyMs = [...ms.values()].reduce((a, b) => a + b, 0);
  const rows = [...ms.entries()].map(([group, v]) => ({ group, ms: v, share: v / Math.max(busyMs, 1e-9) })).sort((a, b) => b.ms - a.ms);
  return { busyMs, rows };
}

export function readProfile(file: string): CpuProfile {
  return JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
}
