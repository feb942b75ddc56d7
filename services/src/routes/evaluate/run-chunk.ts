/**
 * One chunk of /evaluate rows: images loaded (files under the data root read), analyzed in
 * admitted groups, and each row's crop or the reason it is a bad row.
 */
import type { AnalyzeJob, AnalyzedImage } from '../../pipeline/analyze.js';

/** A usable row: its image is loaded (a file under the data root is read) only when its chunk runs. */
export type Job = { line: number; label: number; load: () => Promise<AnalyzeJob> | AnalyzeJob };

/**
 * Loads and analyzes the rows of one chunk: each row's crop, or the reason it is a bad row (a
 * 4xx problem of its own). Anything else (a 5xx, the request cancelled) fails the request.
 */
export async function runChunk(chunk: readonly Job[], analyzeEach: (jobs: AnalyzeJob[]) => Promise<PromiseSettledResult<AnalyzedImage>[]>): Promise<(Uint8Array | string)[]> {
  const reason = (err: unknown): string => {
    const e = err as { code?: string; statusCode?: number; message: string };
    if (e?.code?.startsWith('FER_ERR_') && (e.statusCode ?? 500) < 500) return e.message;
    throw err;
  };
  const loaded = await Promise.allSettled(chunk.map(async (j) => j.load()));
  const ready = loaded.flatMap((l, k) => (l.status === 'fulfilled' ? [{ k, job: l.value }] : []));
  const analyzed = await analyzeEach(ready.map((r) => r.job));
  const out: (Uint8Array | string)[] = loaded.map((l) => (l.status === 'rejected' ? reason(l.reason) : ''));
  ready.forEach(({ k }, n) => {
    const a = analyzed[n];
    out[k] = a.status === 'rejected' ? reason(a.reason) : (a.value.crops[0] ?? 'no face found');
  });
  return out;
}

