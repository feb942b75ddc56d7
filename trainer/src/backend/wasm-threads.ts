// Multi-threaded XNNPACK for the wasm backend under Node.
//
// tfjs-backend-wasm ships a threaded SIMD build (tfjs-backend-wasm-threaded-simd.wasm, pthreads
// on worker_threads) but never uses it under Node: the WASM_HAS_MULTITHREAD_SUPPORT flag returns
// false when IS_NODE (tfjs issue #3830), because its loader hands Emscripten Blob URLs for the
// pthread worker script and the main script, which node:worker_threads cannot load. The build
// itself supports Node (its worker script has a worker_threads branch), so we load it ourselves:
//   * the pthread worker script (shipped as a JS string in wasm-out/*.worker.js) is written to a
//     temp file and given to Emscripten through locateFile;
//   * mainScriptUrlOrBlob is the real path of wasm-out/tfjs-backend-wasm-threaded-simd.js;
//   * tfjs's C++ caps the pool at emscripten_num_logical_cores()/2 (it assumes two hyper-threads
//     per core) and Emscripten answers that with os.cpus().length under Node, so on a 2-core
//     machine it would pick 1 thread: os.cpus is made to report 2x the wanted count while the
//     module starts (its static initialisers read it once);
//   * the 'wasm' backend is re-registered with a BackendWasm built on that module, so every
//     kernel registered for 'wasm' (stock and ours) runs on it unchanged.
// XNNPACK then splits each conv/GEMM over the pool; our JS kernels and tfjs's elementwise
// kernels stay single-threaded. The pool threads spin while waiting: with more runnable
// threads than cores (other jobs, or data-parallel workers) it is slower, not faster.
import * as tf from '@tensorflow/tfjs';
import * as tfWasm from '@tensorflow/tfjs-backend-wasm';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** The Emscripten module as BackendWasm expects it. */
type WasmModule = ConstructorParameters<typeof tfWasm.BackendWasm>[0];

interface EmscriptenModule {
  cwrap: (name: string, ret: string | null, args: string[]) => (...args: number[]) => number;
  tfjs?: unknown;
  /** Emscripten's pthread bookkeeping; its workers are node:worker_threads Workers */
  PThread?: { runningWorkers?: Array<{ unref(): void }> };
}

type Factory = (config: { locateFile: (file: string) => string; mainScriptUrlOrBlob: string }) => Promise<EmscriptenModule>;

let loaded: { threads: number; module: WasmModule } | undefined;

async function loadModule(threads: number): Promise<WasmModule> {
  const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
  const out = path.join(dist, '..', 'wasm-out');
  const mainScript = path.join(out, 'tfjs-backend-wasm-threaded-simd.js');
  const factory = require(mainScript) as Factory;
  const { wasmWorkerContents } = require(path.join(out, 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string };
  const workerScript = path.join(mkdtempSync(path.join(os.tmpdir(), 'tfjs-wasm-')), 'pthread-worker.cjs');
  // the string was a template literal: escape its newlines back (tfjs does the same for its Blob)
  writeFileSync(workerScript, wasmWorkerContents.replace(/\n/g, '\\n'));

  const realCpus = os.cpus;
  const cpus = realCpus();
  os.cpus = () => Array.from({ length: 2 * threads }, (_, i) => cpus[i % cpus.length]);
  let mod: EmscriptenModule;
  try {
    mod = await factory({
      locateFile: (file) => (file.endsWith('.worker.js') ? workerScript : file.endsWith('.wasm') ? path.join(dist, 'tfjs-backend-wasm-threaded-simd.wasm') : path.join(out, file)),
      mainScriptUrlOrBlob: mainScript,
    });
  } finally {
    os.cpus = realCpus;
  }
  // the same bridge tfjs's own loader installs
  mod.tfjs = {
    init: mod.cwrap('init', null, []),
    initWithThreadsCount: mod.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: mod.cwrap('get_threads_count', 'number', []),
    registerTensor: mod.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: mod.cwrap('dispose_data', null, ['number']),
    dispose: mod.cwrap('dispose', null, []),
  };
  return mod as unknown as WasmModule;
}

/**
 * Replaces the 'wasm' backend by one on the threaded build with `threads` XNNPACK threads.
 * Call before the wasm backend is first initialised (tf.setBackend('wasm')); the caller then
 * activates it with tf.setBackend('wasm'); tfWasm.getThreadsCount() then reports the pool size.
 */
export async function useThreadedWasm(threads: number): Promise<void> {
  if (!Number.isInteger(threads) || threads < 2 || threads > 8) throw new Error(`wasm threads must be an integer in 2..8, got ${threads}`);
  if (loaded !== undefined && loaded.threads !== threads) throw new Error(`the threaded wasm backend is already running with ${loaded.threads} threads`);
  const initialised = tf.engine().registry.wasm !== undefined;
  if (loaded === undefined) {
    if (initialised) throw new Error('the wasm backend is already initialised single-threaded; select threads before first use');
    loaded = { threads, module: await loadModule(threads) };
  } else if (initialised) {
    return; // already running on the threaded module
  }
  const module = loaded.module;
  tfWasm.setThreadsCount(threads);
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', () => {
    const backend = new tfWasm.BackendWasm(module); // creates the XNNPACK pool: starts the pthreads
    // the pool's threads live as long as the process; don't let them keep it from exiting
    for (const w of (module as unknown as EmscriptenModule).PThread?.runningWorkers ?? []) w.unref();
    return backend;
  }, 2);
}
