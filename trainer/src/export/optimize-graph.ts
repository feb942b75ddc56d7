/**
 * Graph passes run on the converted ONNX graph before it is encoded:
 * - BatchNormalization right after a Conv (the Conv's only consumer) is folded into the Conv's
 *   weights and bias: w' = w * s, b' = (b - mean) * s + beta with s = gamma / sqrt(var + eps);
 * - a zero Pad on the spatial axes whose only consumers are Convs moves into their `pads`;
 * - nodes whose outputs nothing uses are removed, then initializers no node reads.
 * Every pass keeps the node list in topological order.
 */
import { AttributeType, type AttributeProto, type NodeProto, type TensorProto } from './onnx.js';
import { ExportError, floatTensor, floatValues, int64Values } from './graph-builder.js';

export interface GraphState {
  nodes: NodeProto[];
  initializers: Map<string, TensorProto>;
  /** Graph input and output names. */
  inputs: string[];
  outputs: string[];
  /** A fresh tensor name. */
  unique(base: string): string;
}

export interface PassReport {
  foldedBatchNorms: number;
  foldedPads: number;
  removedNodes: number;
  removedInitializers: number;
}

function useCounts(state: GraphState): Map<string, number> {
  const uses = new Map<string, number>();
  const use = (n: string) => uses.set(n, (uses.get(n) ?? 0) + 1);
  for (const node of state.nodes) for (const i of node.input ?? []) if (i) use(i);
  for (const o of state.outputs) use(o);
  return uses;
}

function producers(state: GraphState): Map<string, NodeProto> {
  const m = new Map<string, NodeProto>();
  for (const node of state.nodes) for (const o of node.output ?? []) m.set(o, node);
  return m;
}

function attr(node: NodeProto, name: string): AttributeProto | undefined {
  return node.attribute?.find((a) => a.name === name);
}

function attrString(node: NodeProto, name: string): string | undefined {
  const a = attr(node, name);
  return a?.s ? new TextDecoder().decode(a.s) : undefined;
}

function floatInit(state: GraphState, name: string | undefined): Float32Array | undefined {
  if (!name) return undefined;
  const t = state.initializers.get(name);
  return t ? floatValues(t) : undefined;
}

/** Folds BatchNormalization into the Conv that feeds it. */
export function foldBatchNormIntoConv(state: GraphState): number {
  const uses = useCounts(state);
  const producedBy = producers(state);
  const removed = new Set<NodeProto>();
  let folded = 0;
  for (const bn of state.nodes) {
    if (bn.opType !== 'BatchNormalization' || (bn.output?.length ?? 0) !== 1) continue;
    const [x, gammaName, betaName, meanName, varName] = bn.input ?? [];
    const conv = producedBy.get(x);
    if (!conv || conv.opType !== 'Conv' || removed.has(conv) || uses.get(x) !== 1) continue;
    const [, wName, bName] = conv.input ?? [];
    const w = floatInit(state, wName);
    const gamma = floatInit(state, gammaName);
    const beta = floatInit(state, betaName);
    const mean = floatInit(state, meanName);
    const variance = floatInit(state, varName);
    if (!w || !gamma || !beta || !mean || !variance || uses.get(wName) !== 1 || (bName && uses.get(bName) !== 1)) continue;
    const bias = bName ? floatInit(state, bName) : new Float32Array(gamma.length);
    if (!bias) continue;
    const eps = attr(bn, 'epsilon')?.f ?? 1e-5;
    const cout = gamma.length;
    const per = w.length / cout;
    const wDims = (state.initializers.get(wName)?.dims ?? []).map(Number);
    if (wDims[0] !== cout) throw new ExportError(`cannot fold ${bn.name}: ${cout} channels, conv weight [${wDims}]`);
    const w2 = new Float32Array(w.length);
    const b2 = new Float32Array(cout);
    for (let c = 0; c < cout; c++) {
      const s = gamma[c] / Math.sqrt(variance[c] + eps);
      for (let i = 0; i < per; i++) w2[c * per + i] = w[c * per + i] * s;
      b2[c] = (bias[c] - mean[c]) * s + beta[c];
    }
    state.initializers.set(wName, floatTensor(wName, wDims, w2));
    const newB = bName || state.unique(`${wName}_bias`);
    state.initializers.set(newB, floatTensor(newB, [cout], b2));
    conv.input = [conv.input![0], wName, newB];
    conv.output = [bn.output![0]];
    removed.add(bn);
    folded++;
  }
  state.nodes = state.nodes.filter((n) => !removed.has(n));
  return folded;
}

/** Moves zero padding of the spatial axes into the `pads` of the Convs that read it. */
export function foldPadIntoConv(state: GraphState): number {
  const uses = useCounts(state);
  const consumers = new Map<string, NodeProto[]>();
  for (const node of state.nodes) for (const i of node.input ?? []) if (i) consumers.set(i, [...(consumers.get(i) ?? []), node]);
  const removed = new Set<NodeProto>();
  for (const pad of state.nodes) {
    if (pad.opType !== 'Pad') continue;
    const mode = attrString(pad, 'mode') ?? 'constant';
    const [data, padsName, valueName, axesName] = pad.input ?? [];
    if (mode !== 'constant' || axesName) continue;
    if (valueName) {
      const v = floatInit(state, valueName);
      if (!v || v.some((x) => x !== 0)) continue;
    }
    const padsInit = state.initializers.get(padsName);
    if (!padsInit) continue;
    const pads = int64Values(padsInit);
    if (pads.length !== 8 || pads[0] || pads[1] || pads[4] || pads[5] || pads.some((p) => p < 0)) continue;
    const out = pad.output![0];
    const users = consumers.get(out) ?? [];
    const convs = users.filter((u) => u.opType === 'Conv' && u.input![0] === out && !u.input!.slice(1).includes(out));
    if (users.length === 0 || convs.length !== users.length || uses.get(out) !== users.length) continue;
    if (convs.some((c) => (attrString(c, 'auto_pad') ?? 'NOTSET') !== 'NOTSET')) continue;
    const spatial = [pads[2], pads[3], pads[6], pads[7]];
    for (const conv of convs) {
      let a = attr(conv, 'pads');
      if (!a) {
        a = { name: 'pads', type: AttributeType.INTS, ints: [0, 0, 0, 0] };
        conv.attribute = [...(conv.attribute ?? []), a];
      }
      a.ints = (a.ints ?? [0, 0, 0, 0]).map((p, i) => Number(p) + spatial[i]);
      conv.input = [data, ...conv.input!.slice(1)];
    }
    removed.add(pad);
  }
  state.nodes = state.nodes.filter((n) => !removed.has(n));
  return removed.size;
}

/** Removes nodes that contribute to no graph output. */
export function removeDeadNodes(state: GraphState): number {
  const live = new Set(state.outputs);
  const kept: NodeProto[] = [];
  for (let i = state.nodes.length - 1; i >= 0; i--) {
    const node = state.nodes[i];
    if ((node.output ?? []).some((o) => live.has(o))) {
      kept.push(node);
      for (const input of node.input ?? []) if (input) live.add(input);
    }
  }
  const removed = state.nodes.length - kept.length;
  state.nodes = kept.reverse();
  return removed;
}

/** Removes initializers that no node reads. */
export function removeUnusedInitializers(state: GraphState): number {
  const used = new Set(state.nodes.flatMap((n) => n.input ?? []));
  let removed = 0;
  for (const name of [...state.initializers.keys()]) {
    if (!used.has(name) && !state.outputs.includes(name)) {
      state.initializers.delete(name);
      removed++;
    }
  }
  return removed;
}

export function optimizeGraph(state: GraphState, opts: { folding?: boolean } = {}): PassReport {
  const folding = opts.folding ?? true;
  const foldedPads = folding ? foldPadIntoConv(state) : 0;
  const foldedBatchNorms = folding ? foldBatchNormIntoConv(state) : 0;
  const removedNodes = removeDeadNodes(state);
  const removedInitializers = removeUnusedInitializers(state);
  return { foldedBatchNorms, foldedPads, removedNodes, removedInitializers };
}
