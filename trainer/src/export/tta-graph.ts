/**
 * Test-time augmentation inside the exported graph. `mirrorBatch` puts the horizontal mirror of
 * every image after the batch (input [N,...,W] -> [2N,...,W], a Slice with step -1 on W and a
 * Concat on the batch axis), so the trunk runs once on a batch of 2N; `averageHalves` splits a
 * [2N,...] result back into the two halves and averages them (Split, Add, Mul by 0.5). Every
 * consumer of the ONNX file (the service, /evaluate, other runtimes) gets the averaged logits.
 */
import type { TtaMode } from '@amft/shared';
import type { GraphBuilder } from './graph-builder.js';

/** Smallest int64: a Slice end that runs to the start of the axis when stepping backwards. */
const INT64_MIN = -(2 ** 63);

/**
 * The graph input `input` (channels-first; W is the last axis) followed by its mirror on the
 * batch axis: `[x; flip_W(x)]`. Returns the name of the concatenated tensor.
 */
export function mirrorBatch(g: GraphBuilder, input: string, rank: number): string {
  const mirrored = g.op('Slice', [input, g.int64([-1]), g.int64([INT64_MIN]), g.int64([rank - 1]), g.int64([-1])], {}, { base: 'tta_mirror' });
  return g.op('Concat', [input, mirrored], { axis: 0 }, { base: 'tta_batch' });
}

/** Mean of the two halves of `x` on axis 0 (the image and its mirror, as mirrorBatch stacked them). */
export function averageHalves(g: GraphBuilder, x: string, base: string): string {
  const [a, b] = g.node('Split', [x], { axis: 0 }, { outputs: 2, base: `${base}_tta_split` });
  const sum = g.op('Add', [a, b], {}, { base: `${base}_tta_sum` });
  return g.op('Mul', [sum, g.floatConst([0.5], [])], {}, { base: `${base}_tta_mean` });
}

export function usesMirror(tta: TtaMode | undefined): boolean {
  return tta === 'flip';
}
