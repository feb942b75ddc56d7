// A trainer checkpoint of a model that never trained: what `amft export` and `amft eval` read.
import type * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../../src/model/index.js';
import { saveCheckpoint, type TrainState } from '../../src/train/checkpoint.js';

/** Saves `model` (built from `cfg`) as a checkpoint in `dir`, at `epoch` after epochs of `seconds` each. */
export async function saveUntrainedCheckpoint(dir: string, model: tf.LayersModel, cfg: ModelConfig, opts: { seconds: number[]; globalStep: number; savedAt: string }): Promise<void> {
  const state = {
    version: 1,
    epoch: opts.seconds.length,
    batch: 0,
    globalStep: opts.globalStep,
    running: { lossSum: 0, correct: 0, seen: 0, seconds: 0 },
    history: opts.seconds.map((seconds) => ({ seconds })),
    best: null,
    rng: { kind: 'sfc32-derived', seed: 1 },
    config: {},
    model: { variant: cfg.variant, lstm: cfg.lstm, preprocessing: cfg.preprocessing, config: cfg },
    trainCounts: [],
    backend: 'cpu',
    savedAt: opts.savedAt,
  } as unknown as TrainState;
  await saveCheckpoint(dir, { model, state });
}
