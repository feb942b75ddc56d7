/** `--resume`: the last checkpoint back into the model and optimizer, once it is shown to belong to this run. */
import type * as tf from '@tensorflow/tfjs';
import type { Logger } from 'pino';
import { disposeCheckpoint, loadCheckpoint, restoreModelWeights, type TrainState } from './checkpoint.js';
import type { ParamOptimizer } from './param-optimizer.js';
import { RESUMABLE_CHANGES, TrainConfig } from './train-config.js';

/**
 * The config a checkpoint recorded, with the defaults of keys added since filled in: a run
 * recorded before an option existed ran with that option off, which is its default.
 */
export function recordedConfig(saved: unknown): Record<string, unknown> {
  const parsed = TrainConfig.safeParse(saved);
  return parsed.success ? parsed.data : (saved as Record<string, unknown>);
}

/**
 * What differs between a recorded config and this run's, besides RESUMABLE_CHANGES, in words:
 * keys of either side (an option dropped counts as much as one added).
 */
export function configChanges(saved: unknown, fresh: TrainConfig): string[] {
  const recorded = recordedConfig(saved);
  const keys = new Set([...Object.keys(recorded), ...Object.keys(fresh)]) as Set<keyof TrainConfig>;
  return [...keys]
    .filter((k) => !RESUMABLE_CHANGES.has(k) && JSON.stringify(recorded[k]) !== JSON.stringify(fresh[k]))
    .map((k) => `${k} was ${JSON.stringify(recorded[k])}, now ${JSON.stringify(fresh[k])}`);
}

/** Loads the last checkpoint into the model and optimizer after checking it belongs to this run. */
export async function resumeFrom(dir: string, model: tf.LayersModel, optimizer: ParamOptimizer, fresh: TrainState, log: Logger): Promise<TrainState> {
  const ckpt = await loadCheckpoint(dir);
  try {
    const saved = ckpt.state;
    if (saved.config.epochs !== fresh.config.epochs) {
      log.warn(`epochs changed from ${saved.config.epochs} to ${fresh.config.epochs}: the learning-rate schedule of the remaining steps changes`);
    }
    const changed = configChanges(saved.config, fresh.config);
    if (changed.length) throw new Error(`cannot resume ${dir}: ${changed.join('; ')}`);
    if (JSON.stringify(saved.trainCounts) !== JSON.stringify(fresh.trainCounts)) {
      throw new Error(`cannot resume ${dir}: the training data differs (class counts ${saved.trainCounts} then, ${fresh.trainCounts} now)`);
    }
    if (!ckpt.optimizer) throw new Error(`cannot resume ${dir}: it has no optimizer state`);
    restoreModelWeights(model, ckpt.weights);
    await optimizer.setWeights(ckpt.optimizer);
    return { ...saved, config: fresh.config, backend: fresh.backend };
  } finally {
    disposeCheckpoint(ckpt);
  }
}
