/**
 * A preprocessing worker thread (see preprocess.ts): opens the BlazeFace detectors, runs each
 * once, then decodes, detects and crops the images it is sent.
 */
import { workerData } from 'node:worker_threads';
import { serveThread, threadLog } from '@amft/shared/threads';
import { analyze, type AnalyzeJob, type AnalyzedImage } from './analyze.js';
import { closeDetectors, detectorInfo, openDetectors, type DetectorInfo, type PreprocessOptions } from './preprocess.js';

const opts = workerData as PreprocessOptions;

await serveThread<DetectorInfo, AnalyzeJob, AnalyzedImage>(async () => {
  const detectors = await openDetectors(opts, threadLog);
  const deps = { detectors, spec: opts.spec, maxPixels: opts.maxPixels, faces: opts.faces };
  return { info: detectorInfo(detectors), handle: (job) => analyze(job, deps), close: () => closeDetectors(detectors) };
});
