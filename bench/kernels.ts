// Per-kernel timings on the reference net's layer shapes (batch 64).
//   npx tsx bench/kernels.ts [--kernels ours|stock] [--backend wasm|cpu] [--threads N] [--reps N]
// Prints the best of N runs per kernel and its GFLOP/s (2 x multiply-adds / time).
import * as tf from '@tensorflow/tfjs';
import { pino } from 'pino';
import { z } from 'zod';
import { BACKEND_ORDER, selectBackend } from '../trainer/src/backend/select-backend.js';
import { isCpuStandIn } from '../trainer/src/backend/wasm-kernels/index.js';
import { benchFlags } from './flags.js';

interface Row {
  kernel: string;
  shape: string;
  ms: number;
  gflops: number | null;
}

function best(f: () => tf.Tensor, reps: number): number {
  tf.tidy(() => void f().dataSync()); // warm-up
  let min = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    tf.tidy(() => void f().dataSync());
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

/** Registered natively (with --kernels stock, the kernels stock wasm lacks are cpu stand-ins: skipped). */
function has(kernel: string): boolean {
  return tf.getKernel(kernel, tf.getBackend()) !== undefined && !(tf.getBackend() === 'wasm' && isCpuStandIn(kernel));
}

async function main(): Promise<void> {
  const values = benchFlags(
    z.object({
      kernels: z.enum(['ours', 'stock']).default('ours').meta({ description: "wasm: our gradient kernels or tfjs's stock ones." }),
      backend: z.enum(BACKEND_ORDER).default('wasm').meta({ description: 'The TensorFlow.js backend.' }),
      threads: z.number().int().positive().default(1).meta({ arg: 'n', description: 'wasm: XNNPACK threads (the threaded build when > 1).' }),
      reps: z.number().int().positive().default(3).meta({ arg: 'n', description: 'Timed runs per kernel (the best is shown).' }),
    }),
    'npx tsx bench/kernels.ts [options]',
  );
  const reps = values.reps;
  await selectBackend(values.backend, pino({ level: 'warn' }), { wasmKernels: values.kernels, wasmThreads: values.threads });
  const rows: Row[] = [];
  const add = (kernel: string, shape: string, flops: number | null, f: () => tf.Tensor) => {
    const ms = best(f, reps);
    rows.push({ kernel, shape, ms, gflops: flops === null ? null : flops / ms / 1e6 });
  };
  const B = 64;
  // [size, in, out, kernel, stride] of the reference net's convs
  const convs: Array<[number, number, number, number, number]> = [[48, 32, 32, 3, 1], [48, 32, 64, 3, 2], [48, 32, 64, 1, 2], [24, 64, 64, 3, 1], [24, 64, 128, 3, 2], [12, 128, 128, 3, 1], [12, 128, 256, 3, 2], [6, 256, 256, 3, 1]];
  for (const [h, ci, co, k, s] of convs) {
    const [x, w, dy] = tf.tidy(() => {
      const x = tf.randomNormal([B, h, h, ci]) as tf.Tensor4D;
      const w = tf.randomNormal([k, k, ci, co]) as tf.Tensor4D;
      return [x, w, tf.randomNormal(tf.conv2d(x, w, s, 'same').shape) as tf.Tensor4D];
    });
    const flops = 2 * B * dy.shape[1] * dy.shape[2] * ci * co * k * k;
    const shape = `${h}x${h} ${ci}->${co} k${k} s${s}`;
    add('Conv2D (forward)', shape, flops, () => tf.conv2d(x, w, s, 'same'));
    add('Conv2DBackpropInput', shape, flops, () => tf.conv2dTranspose(dy, w, x.shape, s, 'same'));
    if (has(tf.Conv2DBackpropFilter)) add('Conv2DBackpropFilter', shape, flops, () => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, { strides: s, pad: 'same', dataFormat: 'NHWC', filterShape: w.shape }) as tf.Tensor);
    tf.dispose([x, w, dy]);
  }
  {
    const [x, w, dy] = tf.tidy(() => [tf.randomNormal([B, 24, 24, 64]) as tf.Tensor4D, tf.randomNormal([3, 3, 64, 1]) as tf.Tensor4D, tf.randomNormal([B, 24, 24, 64]) as tf.Tensor4D]);
    const flops = 2 * B * 24 * 24 * 64 * 9;
    add('DepthwiseConv2dNative (forward)', '24x24 64 k3 s1', flops, () => tf.depthwiseConv2d(x, w, 1, 'same'));
    if (has(tf.DepthwiseConv2dNativeBackpropInput)) add('DepthwiseConv2dNativeBackpropInput', '24x24 64 k3 s1', flops, () => tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropInput, { dy, filter: w }, { strides: 1, dilations: 1, pad: 'same', inputShape: x.shape }) as tf.Tensor);
    if (has(tf.DepthwiseConv2dNativeBackpropFilter)) add('DepthwiseConv2dNativeBackpropFilter', '24x24 64 k3 s1', flops, () => tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropFilter, { x, dy }, { strides: 1, dilations: 1, pad: 'same', filterShape: w.shape }) as tf.Tensor);
    tf.dispose([x, w, dy]);
  }
  {
    const [a, b, c] = tf.tidy(() => [tf.randomNormal([4096, 512]), tf.randomNormal([512, 256]), tf.randomNormal([4096, 256])]);
    const flops = 2 * 4096 * 512 * 256;
    add('BatchMatMul A B', '4096x512 . 512x256', flops, () => tf.matMul(a, b));
    add('BatchMatMul dA = dC B^T', '4096x256 . (512x256)^T', flops, () => tf.matMul(c, b, false, true));
    add('BatchMatMul dB = A^T dC', '(4096x512)^T . 4096x256', flops, () => tf.matMul(a, c, true, false));
    tf.dispose([a, b, c]);
    const [q, k] = tf.tidy(() => [tf.randomNormal([256, 144, 32]), tf.randomNormal([256, 144, 32])]);
    add('BatchMatMul Q K^T (batched)', '256 x 144x32 . (144x32)^T', 2 * 256 * 144 * 144 * 32, () => tf.matMul(q, k, false, true));
    tf.dispose([q, k]);
  }
  {
    const [x, small, big] = tf.tidy(() => [tf.randomNormal([B, 48, 48, 32]) as tf.Tensor4D, tf.randomNormal([B, 24, 24, 32]) as tf.Tensor4D, tf.randomNormal([B, 48, 48, 32])]);
    const y = tf.maxPool(x, 2, 2, 'same');
    add('MaxPool (forward)', '48x48x32 k2 s2', null, () => tf.maxPool(x, 2, 2, 'same'));
    add('MaxPoolGrad', '48x48x32 k2 s2', null, () => tf.engine().runKernel(tf.MaxPoolGrad, { dy: small, input: x, output: y }, { filterSize: 2, strides: 2, pad: 'same' }) as tf.Tensor);
    add('AvgPoolGrad', '48x48x32 k2 s2', null, () => tf.engine().runKernel(tf.AvgPoolGrad, { dy: small, input: x }, { filterSize: 2, strides: 2, pad: 'same' }) as tf.Tensor);
    add('ResizeBilinearGrad', '48x48 -> 24x24 x32', null, () => tf.engine().runKernel(tf.ResizeBilinearGrad, { images: small, dy: big }, { alignCorners: false, halfPixelCenters: true }) as tf.Tensor);
    add('Transpose [3,1,2,0]', '64x48x48x32', null, () => tf.transpose(x, [3, 1, 2, 0]));
    add('Tile [1,1,1,32] -> [64,48,48,32]', '', null, () => tf.tile(tf.ones([1, 1, 1, 32]), [B, 48, 48, 1]));
    add('Sum over N,H,W', '64x48x48x32', null, () => tf.sum(x, [0, 1, 2]));
    tf.dispose([x, small, big, y]);
  }
  const w = Math.max(...rows.map((r) => r.kernel.length));
  const ws = Math.max(...rows.map((r) => r.shape.length));
  console.log(`${'kernel'.padEnd(w)} | ${'shape'.padEnd(ws)} | ms (best of ${reps}) | GFLOP/s`);
  for (const r of rows) console.log(`${r.kernel.padEnd(w)} | ${r.shape.padEnd(ws)} | ${r.ms.toFixed(1).padStart(16)} | ${r.gflops === null ? '' : r.gflops.toFixed(1)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
