// The benchmark's model-only case (bench/service.ts): batches of normalized crops through
// onnxruntime-node on this thread, with nothing around the model; images/s and CPU.
import { loadModel } from '../services/src/model/load-model.js';
import { Classifier } from '../services/src/pipeline/infer.js';
import type { ModelFigure } from './service-summary.js';

/** Each batch size in `batches` for `opts.seconds`, after 3 runs to warm up; `threads` 0 lets onnxruntime choose. */
export async function modelOnly(dir: string, batches: number[], opts: { threads: number; seconds: number }): Promise<{ figures: ModelFigure[]; threads: number }> {
  const { threads, seconds: modelDuration } = opts;
  const model = await loadModel(dir, { device: 'cpu', threads });
  const c = new Classifier(model);
  const { channels, height, width } = model.metadata.preprocessing;
  const figures: ModelFigure[] = [];
  try {
    for (const n of batches) {
      const x = new Float32Array(n * channels * height * width).map(() => Math.random() * 2 - 1);
      for (let i = 0; i < 3; i++) await c.classify(x, n);
      let runs = 0;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      while (performance.now() - t0 < modelDuration * 1000) {
        await c.classify(x, n);
        runs += 1;
      }
      const s = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      figures.push({ batch: n, imagesPerSec: (runs * n) / s, msPerBatch: (s * 1000) / runs, cpuCores: (cpu.user + cpu.system) / 1e6 / s });
      process.stderr.write(`model only, batch ${n}: ${((runs * n) / s).toFixed(0)} images/s\n`);
    }
  } finally {
    await model.session.release();
  }
  return { figures, threads };
}
