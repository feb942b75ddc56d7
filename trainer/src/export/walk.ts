/**
 * Topological walk of a tfjs functional model: every layer call (a layer's inbound node) that the
 * model's outputs depend on, each after the calls that produce its inputs.
 */
import type * as tf from '@tensorflow/tfjs';
import { ExportError } from './graph-builder.js';

/** The parts of tfjs-layers' (internal) Node class the walk reads. */
interface TfNode {
  inputTensors: tf.SymbolicTensor[];
  outputTensors: tf.SymbolicTensor[];
}

export interface LayerCall {
  layer: tf.layers.Layer;
  /** Index into layer.inboundNodes: a shared layer has one call per use. */
  nodeIndex: number;
  inputs: tf.SymbolicTensor[];
  outputs: tf.SymbolicTensor[];
}

function inboundNode(layer: tf.layers.Layer, index: number): TfNode {
  const nodes = (layer as unknown as { inboundNodes: TfNode[] }).inboundNodes;
  const node = nodes?.[index];
  if (!node) throw new ExportError(`layer ${layer.name} has no inbound node ${index}`);
  return node;
}

export const isInputLayer = (layer: tf.layers.Layer): boolean => layer.getClassName() === 'InputLayer';

/** The layer calls the model's outputs depend on, in topological order (inputs first). */
export function topologicalCalls(model: tf.LayersModel): LayerCall[] {
  const order: LayerCall[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (layer: tf.layers.Layer, nodeIndex: number): void => {
    const key = `${layer.name}#${nodeIndex}`;
    const s = state.get(key);
    if (s === 'done') return;
    if (s === 'visiting') throw new ExportError(`the graph has a cycle through ${layer.name}`);
    state.set(key, 'visiting');
    const node = inboundNode(layer, nodeIndex);
    // an InputLayer's node lists its own tensor as input
    const inputs = isInputLayer(layer) ? [] : node.inputTensors;
    for (const t of inputs) visit(t.sourceLayer as tf.layers.Layer, t.nodeIndex);
    state.set(key, 'done');
    order.push({ layer, nodeIndex, inputs, outputs: node.outputTensors });
  };
  for (const t of model.outputs) visit(t.sourceLayer as tf.layers.Layer, t.nodeIndex);
  return order;
}
