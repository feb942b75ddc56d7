import { availableParallelism } from 'node:os';
import { z } from 'zod';
import type { BackendName } from '../backend/backend-names.js';

/** `--data-parallel`: auto (default), off, or a worker count. */
export const DataParallelFlag = z
  .string()
  .regex(/^(auto|off|[1-9]\d*)$/, 'expected auto, off or a worker count')
  .default('auto')
  .transform((v) => (v === 'auto' || v === 'off' ? v : Number(v)));
export type DataParallelFlag = z.infer<typeof DataParallelFlag>;

/** At most this many workers: each holds a model replica and its own wasm heap. */
export const MAX_WORKERS = 16;

export interface ParallelPlan {
  /** 0: train on the main thread */
  workers: number;
  /** why, in words, for the log */
  reason: string;
}

/**
 * How many data-parallel workers `amft train` uses. Workers pay off where one process computes on
 * one core: the wasm and cpu backends (tfjs-node uses every core itself). `auto` takes every core
 * (at most the batch size) where there are two or more, and the main thread otherwise.
 */
export function planDataParallel(
  flag: DataParallelFlag,
  o: { backend: BackendName | string; batchSize: number; canBuildInWorkers: boolean; cores?: number },
): ParallelPlan {
  const cores = o.cores ?? availableParallelism();
  if (flag === 'off') return { workers: 0, reason: '--data-parallel off' };
  const cpuBound = o.backend === 'wasm' || o.backend === 'cpu';
  if (flag === 'auto') {
    if (!cpuBound) return { workers: 0, reason: `the ${o.backend} backend uses every core itself` };
    if (!o.canBuildInWorkers) return { workers: 0, reason: 'the model cannot be rebuilt in worker threads' };
    if (cores < 2) return { workers: 0, reason: `${cores} core` };
    const workers = Math.min(cores, o.batchSize, MAX_WORKERS);
    return { workers, reason: `${cores} cores` };
  }
  if (!cpuBound) throw new Error(`--data-parallel ${flag}: workers run the wasm or cpu backend, not ${o.backend} (which uses every core itself); use --data-parallel off`);
  if (!o.canBuildInWorkers) throw new Error(`--data-parallel ${flag}: this model cannot be rebuilt in worker threads`);
  if (flag > MAX_WORKERS) throw new Error(`--data-parallel ${flag}: at most ${MAX_WORKERS} workers`);
  if (flag > o.batchSize) throw new Error(`--data-parallel ${flag}: more workers than the batch size ${o.batchSize}`);
  return { workers: flag, reason: `--data-parallel ${flag}` };
}
