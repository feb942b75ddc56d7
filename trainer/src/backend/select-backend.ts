// Picks the fastest TensorFlow.js backend present on this machine:
//   @tensorflow/tfjs-node-gpu ('tensorflow-gpu') > @tensorflow/tfjs-node ('tensorflow') >
//   @tensorflow/tfjs-backend-wasm with our gradient kernels ('wasm') > pure-JS 'cpu'.
// tfjs-node(-gpu) are optional: they are imported dynamically and only when resolvable.
import * as tf from '@tensorflow/tfjs';
import * as tfWasm from '@tensorflow/tfjs-backend-wasm';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { registerStockFallbacks, registerWasmKernels, wasmKernels } from './wasm-kernels/index.js';
import { guardWasmHeap } from './wasm-memory.js';
import { useThreadedWasm } from './wasm-threads.js';
import { registerFastGradients } from './gradients/tile-grad.js';
import { BACKEND_ORDER, type BackendName } from './backend-names.js';

export { BACKEND_ORDER, type BackendName };

const PACKAGES: Record<Exclude<BackendName, 'cpu'>, string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
};

export interface SelectedBackend {
  /** What was chosen. */
  name: BackendName;
  /** The name tfjs knows it by (`tf.getBackend()`); both tfjs-node flavours register 'tensorflow'. */
  tfBackend: string;
  /** Every backend whose package is installed, best first. */
  available: BackendName[];
  /** wasm only: SIMD in use, XNNPACK thread count, our kernels registered. */
  wasm?: { simd: boolean; threads: number; kernels: string[] };
}

const require = createRequire(import.meta.url);

function installed(name: BackendName): boolean {
  if (name === 'cpu') return true;
  try {
    const main = require.resolve(PACKAGES[name]);
    // tfjs-node(-gpu) is usable only once its install script has fetched libtensorflow and its
    // binding into lib/ (the repository's .npmrc turns install scripts off; the trainer image
    // runs this one): without lib/ the package is present but cannot load.
    if (name === 'tensorflow-gpu' || name === 'tensorflow') return existsSync(path.join(path.dirname(main), '..', 'lib'));
    return true;
  } catch {
    return false;
  }
}

/** Backends whose packages are installed, best first (nothing is loaded). */
export function availableBackends(): BackendName[] {
  return BACKEND_ORDER.filter(installed);
}

/** Folder holding the tfjs-backend-wasm .wasm binaries, with a trailing separator. */
export function wasmBinaryDir(): string {
  return path.dirname(require.resolve(PACKAGES.wasm)) + path.sep;
}

let wasmPathsSet = false;

/**
 * Registers our wasm gradient/replacement kernels (Conv2DBackpropInput/Filter, depthwise
 * gradients, ... see wasm-kernels/index.ts). Idempotent; returns the kernel names ours now serve.
 */
export function registerWasmGradientKernels(): string[] {
  registerWasmKernels();
  return wasmKernels.map((k) => k.kernelName);
}

export interface SelectOptions {
  /**
   * wasm only. 'ours' (default): our fast gradient kernels. 'stock': the kernels tfjs ships, plus
   * slow cpu stand-ins for the gradients it lacks (so training runs at all) — for benchmarks.
   */
  wasmKernels?: 'ours' | 'stock';
  /**
   * wasm only: XNNPACK threads (default 1). >1 loads tfjs's threaded SIMD build, which tfjs itself
   * disables under Node (see wasm-threads.ts). Convs and matMuls then use several cores; everything
   * else stays on one. Must be chosen before the wasm backend is first initialised. Don't combine
   * with data-parallel workers on the same cores.
   */
  wasmThreads?: number;
}

async function activate(name: BackendName, opts: SelectOptions): Promise<void> {
  if (name === 'tensorflow-gpu' || name === 'tensorflow') {
    // a variable specifier keeps TypeScript from resolving a package that is usually absent
    const spec: string = PACKAGES[name];
    await import(spec);
    if (!(await tf.setBackend('tensorflow'))) throw new Error(`${spec} loaded but the 'tensorflow' backend failed to initialise`);
    return;
  }
  if (name === 'wasm') {
    if (!wasmPathsSet) {
      // Under Node the Emscripten loader reads the binaries from disk: point it at the package.
      tfWasm.setWasmPaths(wasmBinaryDir());
      wasmPathsSet = true;
    }
    if (opts.wasmKernels === 'stock') registerStockFallbacks();
    else registerWasmGradientKernels();
    if ((opts.wasmThreads ?? 1) > 1) await useThreadedWasm(opts.wasmThreads ?? 1);
  }
  if (!(await tf.setBackend(name))) throw new Error(`the '${name}' backend failed to initialise`);
  if (name === 'wasm') guardWasmHeap(tf.backend());
}

/**
 * Selects and activates a backend. With `preferred`, that one or an error naming what is
 * available; without, the best one that initialises (falling back down BACKEND_ORDER).
 */
export async function selectBackend(preferred?: BackendName, log?: Logger, options: SelectOptions = {}): Promise<SelectedBackend> {
  const logger = log ?? pino({ name: 'backend', level: process.env.LOG_LEVEL ?? 'info' });
  registerFastGradients();
  const available = availableBackends();
  let candidates: BackendName[];
  if (preferred !== undefined) {
    if (!BACKEND_ORDER.includes(preferred)) {
      throw new Error(`unknown backend '${String(preferred)}'; expected one of ${BACKEND_ORDER.join(', ')}`);
    }
    if (!available.includes(preferred)) {
      const why = preferred === 'cpu' ? '' : ` (${PACKAGES[preferred]} is not installed)`;
      throw new Error(`backend '${preferred}' is not available${why}; available: ${available.join(', ')}`);
    }
    candidates = [preferred];
  } else {
    candidates = available;
  }

  let lastError: unknown;
  for (const name of candidates) {
    try {
      await activate(name, options);
    } catch (err) {
      lastError = err;
      if (preferred !== undefined) {
        throw new Error(`backend '${preferred}' failed to initialise: ${(err as Error).message}; available: ${available.join(', ')}`);
      }
      logger.warn({ backend: name, err: (err as Error).message }, 'backend failed to initialise, trying the next one');
      continue;
    }
    const selected: SelectedBackend = { name, tfBackend: tf.getBackend(), available };
    if (name === 'wasm') {
      selected.wasm = {
        simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
        threads: tfWasm.getThreadsCount(),
        kernels: wasmKernels.map((k) => k.kernelName),
      };
    }
    logger.info({ backend: name, tfBackend: selected.tfBackend, available, ...(selected.wasm ?? {}) }, `TensorFlow.js backend: ${name}`);
    return selected;
  }
  throw new Error(`no TensorFlow.js backend could be initialised: ${(lastError as Error | undefined)?.message ?? 'none available'}`);
}
