/**
 * Structural checks of an exported model, run by the exporter before it returns and by the tests:
 * one opset import (the default domain at OPSET), every node an operator of that domain that
 * exists at that opset, SSA names, nodes in topological order with no dangling input, every
 * initializer used, and every graph output produced.
 */
import { IR_VERSION, OPSET, decodeModel, type ModelProto } from './onnx.js';

/** Operators of the default domain (ai.onnx) available at opset 17 (none introduced later). */
export const OPSET17_OPERATORS: ReadonlySet<string> = new Set(
  `Abs Acos Acosh Add And ArgMax ArgMin Asin Asinh Atan Atanh AveragePool BatchNormalization Bernoulli BitShift
  BlackmanWindow Cast CastLike Ceil Celu Clip Compress Concat ConcatFromSequence Constant ConstantOfShape Conv
  ConvInteger ConvTranspose Cos Cosh CumSum DFT DepthToSpace DequantizeLinear Det Div Dropout DynamicQuantizeLinear
  Einsum Elu Equal Erf Exp Expand EyeLike Flatten Floor GRU Gather GatherElements GatherND Gemm GlobalAveragePool
  GlobalLpPool GlobalMaxPool Greater GreaterOrEqual GridSample HammingWindow HannWindow HardSigmoid HardSwish Hardmax
  Identity If InstanceNormalization IsInf IsNaN LRN LSTM LayerNormalization LeakyRelu Less LessOrEqual Log LogSoftmax
  Loop LpNormalization LpPool MatMul MatMulInteger Max MaxPool MaxRoiPool MaxUnpool Mean MeanVarianceNormalization
  MelWeightMatrix Min Mod Mul Multinomial Neg NegativeLogLikelihoodLoss NonMaxSuppression NonZero Not OneHot Optional
  OptionalGetElement OptionalHasElement Or PRelu Pad Pow QLinearConv QLinearMatMul QuantizeLinear RNN RandomNormal
  RandomNormalLike RandomUniform RandomUniformLike Range Reciprocal ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp
  ReduceMax ReduceMean ReduceMin ReduceProd ReduceSum ReduceSumSquare Relu Reshape Resize ReverseSequence RoiAlign
  Round STFT Scan ScatterElements ScatterND Selu SequenceAt SequenceConstruct SequenceEmpty SequenceErase
  SequenceInsert SequenceLength SequenceMap Shape Shrink Sigmoid Sign Sin Sinh Size Slice Softmax
  SoftmaxCrossEntropyLoss Softplus Softsign SpaceToDepth Split SplitToSequence Sqrt Squeeze StringNormalizer Sub Sum
  Tan Tanh TfIdfVectorizer ThresholdedRelu Tile TopK Transpose Trilu Unique Unsqueeze Where Xor`
    .split(/\s+/)
    .filter(Boolean),
);

export interface CheckOptions {
  /** Accept only these opset imports: default the default domain at OPSET. */
  opset?: number;
}

/** Returns every problem found; an empty list means the model passed. */
export function checkModel(modelOrBytes: ModelProto | Uint8Array, opts: CheckOptions = {}): string[] {
  const model = modelOrBytes instanceof Uint8Array ? decodeModel(modelOrBytes) : modelOrBytes;
  const opset = opts.opset ?? OPSET;
  const problems: string[] = [];
  if (Number(model.irVersion) !== IR_VERSION) problems.push(`ir_version is ${String(model.irVersion)}, expected ${IR_VERSION}`);
  const imports = model.opsetImport ?? [];
  if (imports.length !== 1 || (imports[0].domain ?? '') !== '' || Number(imports[0].version) !== opset) {
    problems.push(`opset_import is ${JSON.stringify(imports.map((i) => ({ domain: i.domain ?? '', version: Number(i.version) })))}, expected only the default domain at ${opset}`);
  }
  const graph = model.graph;
  if (!graph) return [...problems, 'the model has no graph'];
  const initializers = new Set<string>();
  for (const t of graph.initializer ?? []) {
    if (!t.name) problems.push('an initializer has no name');
    else if (initializers.has(t.name)) problems.push(`initializer ${t.name} is defined twice`);
    else initializers.add(t.name);
  }
  const available = new Set<string>([...(graph.input ?? []).map((i) => i.name ?? ''), ...initializers]);
  const produced = new Set<string>();
  const used = new Set<string>();
  (graph.node ?? []).forEach((node, k) => {
    const label = `node ${k} (${node.opType} ${node.name ?? ''})`;
    if ((node.domain ?? '') !== '') problems.push(`${label} is in domain '${node.domain}'`);
    if (!OPSET17_OPERATORS.has(node.opType ?? '')) problems.push(`${label}: ${node.opType} is not an operator of the default domain at opset ${opset}`);
    for (const input of node.input ?? []) {
      if (input === '') continue; // an omitted optional input
      used.add(input);
      if (!available.has(input)) problems.push(`${label} reads '${input}', which no graph input, initializer or earlier node provides`);
    }
    for (const output of node.output ?? []) {
      if (output === '') continue;
      if (available.has(output) || produced.has(output)) problems.push(`${label} writes '${output}', which is already defined`);
      produced.add(output);
      available.add(output);
    }
  });
  for (const name of initializers) if (!used.has(name)) problems.push(`initializer ${name} is not used`);
  for (const o of graph.output ?? []) if (!available.has(o.name ?? '')) problems.push(`graph output ${o.name} is not produced`);
  const inputs = (graph.input ?? []).map((i) => i.name ?? '');
  for (const i of inputs) if (initializers.has(i)) problems.push(`graph input ${i} is also an initializer`);
  return problems;
}
