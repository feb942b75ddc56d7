/**
 * Worker thread of a WorkerSession: opens one Session and runs it for the main thread.
 */
import { workerData } from 'node:worker_threads';
import { serveThread, threadLog } from '@amft/shared/threads';
import { Session } from './session.js';
import type { RunRequest, SessionThreadData, SessionThreadInfo } from './worker-session.js';

const data = workerData as SessionThreadData;

await serveThread<SessionThreadInfo, RunRequest, Awaited<ReturnType<Session['run']>>>(async () => {
  const s = await Session.open(data.model, { ...data.opts, log: threadLog });
  return {
    info: { device: s.device, provider: s.provider, providerReason: s.providerReason, threads: s.threads, inputNames: [...s.inputNames], outputNames: [...s.outputNames], inputs: s.inputs, outputs: s.outputs },
    handle: (req) => s.run(req.feeds, req.fetches),
    close: () => s.release(),
  };
});
