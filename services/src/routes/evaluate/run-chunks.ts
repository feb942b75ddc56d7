/**
 * /evaluate, step 3: load, decode and crop a chunk of rows (`runChunk`), classify its crops
 * together, repeat; stop when the request is cancelled (client gone, deadline). A chunk bounds
 * memory and what the queues hold. A row whose image cannot be used (a client error such as an
 * undecodable image, or no face under detect=always) becomes a bad row.
 */
import { argmax } from '@amft/shared';
import type { AnalyzeJob, AnalyzedImage } from '../../pipeline/analyze.js';
import { runChunk, type Job } from './run-chunk.js';

/** Rows decoded and classified together. */
const CHUNK_ROWS = 64;

export interface ChunkResults {
  yTrue: number[];
  yPred: number[];
  /** The served probabilities of each row (for the calibration error). */
  yProb: Array<ArrayLike<number>>;
  bad: Array<{ line: number; reason: string }>;
}

export interface ChunkDeps {
  analyzeEach: (jobs: readonly AnalyzeJob[], signal?: AbortSignal) => Promise<PromiseSettledResult<AnalyzedImage>[]>;
  classify: (crops: readonly Uint8Array[], signal?: AbortSignal) => Promise<ArrayLike<number>[]>;
  /** Rows a chunk may hold: it must fit in the inference and the preprocessing queues. */
  maxChunk: number;
  signal: AbortSignal;
}

export async function runChunks(jobs: readonly Job[], deps: ChunkDeps): Promise<ChunkResults> {
  const out: ChunkResults = { yTrue: [], yPred: [], yProb: [], bad: [] };
  const chunkRows = Math.min(CHUNK_ROWS, deps.maxChunk);
  for (let i = 0; i < jobs.length; i += chunkRows) {
    deps.signal.throwIfAborted();
    const chunk = jobs.slice(i, i + chunkRows);
    const crops = await runChunk(chunk, (loaded) => deps.analyzeEach(loaded, deps.signal));
    const ok: Array<{ job: Job; crop: Uint8Array }> = [];
    chunk.forEach((job, k) => {
      const c = crops[k];
      if (typeof c === 'string') out.bad.push({ line: job.line, reason: c });
      else ok.push({ job, crop: c });
    });
    const probs = await deps.classify(
      ok.map((d) => d.crop),
      deps.signal,
    );
    ok.forEach((d, k) => {
      out.yTrue.push(d.job.label);
      out.yPred.push(argmax(probs[k]));
      out.yProb.push(probs[k]);
    });
  }
  return out;
}
