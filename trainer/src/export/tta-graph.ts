/**
 * Test-time augmentation inside the exported graph. `viewBatch` stacks the views of every image on
 * the batch axis (input [N,...,H,W] -> [V*N,...,H,W]), so the network runs once on a batch of V*N;
 * `averageViews` splits a [V*N,...] result back into the V views and averages them. Every
 * consumer of the ONNX file (the service, /evaluate, other runtimes) gets the averaged logits.
 *   - flip (2 views): the image and its horizontal mirror (a Slice with step -1 on W).
 *   - crops (10 views): the image and its four corner crops, CROP_FRACTION of each side, resized
 *     back to the input size (bilinear, half-pixel centres, as the training crops are), each with
 *     its mirror: the five-crop scheme of the FER2013 literature with the full image as the centre.
 */
import { TTA_VIEWS, type TtaMode } from '@amft/shared';
import type { GraphBuilder } from './graph-builder.js';

/** Smallest int64: a Slice end that runs to the start of the axis when stepping backwards. */
const INT64_MIN = -(2 ** 63);

/** Side of a corner crop of `crops` TTA, as a fraction of the input side (44 of 48 pixels). */
export const CROP_FRACTION = 11 / 12;

/** The corner crops of an input of h x w: size and top-left corners (top-left, top-right, bottom-left, bottom-right). */
export function cornerCrops(h: number, w: number): { height: number; width: number; corners: Array<[number, number]> } {
  const height = Math.round(h * CROP_FRACTION);
  const width = Math.round(w * CROP_FRACTION);
  return { height, width, corners: [[0, 0], [0, w - width], [h - height, 0], [h - height, w - width]] };
}

/** The horizontal mirror of `x` (W is its last axis). */
function mirror(g: GraphBuilder, x: string, rank: number): string {
  return g.op('Slice', [x, g.int64([-1]), g.int64([INT64_MIN]), g.int64([rank - 1]), g.int64([-1])], {}, { base: 'tta_mirror' });
}

/** One corner crop of `x` ([..., C, H, W], channels-first), resized back to H x W. */
function corner(g: GraphBuilder, x: string, rank: number, dims: { c: number; h: number; w: number }, at: [number, number], size: { height: number; width: number }): string {
  const [top, left] = at;
  const crop = g.op('Slice', [x, g.int64([top, left]), g.int64([top + size.height, left + size.width]), g.int64([rank - 2, rank - 1])], {}, { base: 'tta_crop' });
  // Resize on 4-D [M, C, h, w] (a sequence's frames are flattened into M and restored after)
  const flat = rank === 4 ? crop : g.op('Reshape', [crop, g.int64([-1, dims.c, size.height, size.width])], {}, { base: 'tta_crop_frames' });
  const batch = g.op('Slice', [g.op('Shape', [flat], {}, { base: 'tta_crop_shape' }), g.int64([0]), g.int64([1]), g.int64([0])], {}, { base: 'tta_crop_n' });
  const sizes = g.op('Concat', [batch, g.int64([dims.c, dims.h, dims.w])], { axis: 0 }, { base: 'tta_crop_sizes' });
  const resized = g.op('Resize', [flat, '', '', sizes], { mode: 'linear', coordinate_transformation_mode: 'half_pixel' }, { base: 'tta_resize' });
  if (rank === 4) return resized;
  const lead = g.op('Slice', [g.op('Shape', [x], {}, { base: 'tta_input_shape' }), g.int64([0]), g.int64([rank - 3]), g.int64([0])], {}, { base: 'tta_lead' });
  const shape = g.op('Concat', [lead, g.int64([dims.c, dims.h, dims.w])], { axis: 0 }, { base: 'tta_view_shape' });
  return g.op('Reshape', [resized, shape], {}, { base: 'tta_view' });
}

/**
 * The graph input `input` ([..., C, H, W], channels-first) followed by its other views on the batch
 * axis, in the order: the views without mirror, then the same views mirrored. Returns the name of
 * the stacked tensor (the input itself for `none`).
 */
export function viewBatch(g: GraphBuilder, input: string, rank: number, tta: TtaMode, dims: { c: number; h: number; w: number }): string {
  if (tta === 'none') return input;
  const views = [input];
  if (tta === 'crops') {
    const size = cornerCrops(dims.h, dims.w);
    for (const at of size.corners) views.push(corner(g, input, rank, dims, at, size));
  }
  const unmirrored = views.length === 1 ? input : g.op('Concat', views, { axis: 0 }, { base: 'tta_views' });
  return g.op('Concat', [unmirrored, mirror(g, unmirrored, rank)], { axis: 0 }, { base: 'tta_batch' });
}

/** Mean over the views of `x` ([V*N, ...], as viewBatch stacked them). */
export function averageViews(g: GraphBuilder, x: string, base: string, tta: TtaMode): string {
  const count = TTA_VIEWS[tta];
  if (count === 1) return x;
  const parts = g.node('Split', [x], { axis: 0 }, { outputs: count, base: `${base}_tta_split` });
  const sum = count === 2 ? g.op('Add', parts, {}, { base: `${base}_tta_sum` }) : g.op('Sum', parts, {}, { base: `${base}_tta_sum` });
  return g.op('Mul', [sum, g.floatConst([1 / count], [])], {}, { base: `${base}_tta_mean` });
}
