/**
 * TensorFlow.js LayersModel -> ONNX (opset 17, IR 8, default domain only).
 *
 * The functional graph is walked in topological order and each layer call is handed to the
 * converter registered for its className. The whole graph runs channels-first: the input is
 * `input` [N,C,H,W] (or `frames` [N,T,C,H,W] with the LSTM head), weights are converted from the
 * tfjs channels-last layout, and tensors keep track of their layout (see layout.ts). Graph passes
 * then fold BatchNormalization and zero padding into the convolutions and drop unused nodes and
 * initializers; structural checks run before the model is encoded with the generated protobuf
 * encoder (`onnx.ModelProto.encode`).
 */
import * as tf from '@tensorflow/tfjs';
import type { Calibration, ModelMetadata, TtaMode } from '@amft/shared';
import type { ModelConfig } from '../model/config.js';
import { IO_NAMES } from '../model/build-model.js';
import { checkModel } from './checks.js';
import { ConverterRegistry, defaultRegistry, readWeight, shortWeightName, type ConvertContext } from './converters/index.js';
import { ExportError, GraphBuilder, type Layout, type Shape, type TensorRef } from './graph-builder.js';
import { PROBABILITIES, buildMetadataFor, defaultModelName, metadataProps, type ExportMetadataInput } from './metadata.js';
import { DataType, IR_VERSION, OPSET, encodeModel, type ModelProto, type NodeProto, type ValueInfoProto } from './onnx.js';
import { optimizeGraph, type PassReport } from './optimize-graph.js';
import { averageViews, viewBatch } from './tta-graph.js';
import { isInputLayer, topologicalCalls } from './walk.js';

export interface ExportOptions {
  /** Metadata the caller adds (metrics, training, name, createdAt). */
  metadata?: ExportMetadataInput;
  /** Model name; overrides metadata.name. */
  name?: string;
  /** Converters to use (default: the built-in ones). */
  registry?: ConverterRegistry;
  /** Skip the BatchNormalization/Pad folding passes (dead nodes and initializers are still removed). */
  noFolding?: boolean;
  /** `flip`/`crops`: the graph averages the logits of several views of each image (see tta-graph.ts). */
  tta?: TtaMode;
  /** A fitted temperature: `probabilities` = softmax(logits / temperature); `logits` stay raw. */
  calibration?: Calibration;
}

export interface ExportReport {
  nodes: number;
  initializers: number;
  /** Node count per operator type. */
  ops: Record<string, number>;
  passes: PassReport;
}

export interface ExportResult {
  /** The encoded ONNX model. */
  bytes: Uint8Array;
  metadata: ModelMetadata;
  report: ExportReport;
}

const PRODUCER = 'amft-trainer';

function valueInfo(name: string, dims: Array<number | string>): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** Checks that the model is an AMFT model for `cfg` (one input of the configured size). */
function checkModelAgainstConfig(model: tf.LayersModel, cfg: ModelConfig): void {
  if (model.inputs.length !== 1) throw new ExportError(`expected one model input, got ${model.inputs.length}`);
  const { height, width, channels } = cfg.preprocessing;
  const shape = model.inputs[0].shape;
  const expected = cfg.lstm ? [null, null, height, width, channels] : [null, height, width, channels];
  if (shape.length !== expected.length || expected.some((d, i) => d !== null && shape[i] !== d)) {
    throw new ExportError(`the model input is [${shape.map((d) => d ?? '?')}], the config (lstm ${cfg.lstm}) says [${expected.map((d) => d ?? '?')}]`);
  }
  const outputs = model.outputs.map((t) => t.sourceLayer.name);
  const wanted = cfg.lstm ? [IO_NAMES.logits, IO_NAMES.frameLogits] : [IO_NAMES.logits];
  if (outputs.length !== wanted.length || wanted.some((w) => !outputs.includes(w))) {
    throw new ExportError(`the model outputs come from layers [${outputs}], expected [${wanted}] (IO_NAMES)`);
  }
}

/** Renames tensor `from` to `to` everywhere in the node list. */
function renameTensor(nodes: NodeProto[], from: string, to: string): void {
  for (const n of nodes) {
    n.input = (n.input ?? []).map((i) => (i === from ? to : i));
    n.output = (n.output ?? []).map((o) => (o === from ? to : o));
  }
}

/** Converts every layer call; returns the ONNX tensor of each tfjs tensor id. */
function convertGraph(model: tf.LayersModel, g: GraphBuilder, registry: ConverterRegistry, graphInput: TensorRef): Map<number, TensorRef> {
  const calls = topologicalCalls(model);
  const missing = [...new Set(calls.map((c) => c.layer.getClassName()).filter((cls) => !registry.has(cls)))];
  if (missing.length) {
    throw new ExportError(`no ONNX converter for layer class${missing.length > 1 ? 'es' : ''} ${missing.join(', ')} (registered: ${registry.classNames().join(', ')})`);
  }
  const refs = new Map<number, TensorRef>();
  for (const call of calls) {
    const { layer, nodeIndex } = call;
    const className = layer.getClassName();
    const inputs = isInputLayer(layer)
      ? [graphInput]
      : call.inputs.map((t) => {
          const ref = refs.get(t.id);
          if (!ref) throw new ExportError(`${layer.name}: input ${t.name} was not converted`);
          return ref;
        });
    const prefix = layer.inboundNodes.length > 1 ? `${layer.name}:${nodeIndex}` : layer.name;
    const outputNames = new Map<number, string>();
    const ctx: ConvertContext = {
      g,
      layer,
      className,
      config: layer.getConfig(),
      inputs,
      outputShapes: call.outputs.map((t) => t.shape as Shape),
      prefix,
      weight(name) {
        const w = readWeight(layer, name);
        if (!w) throw ctx.error(`has no weight '${name}' (weights: ${layer.weights.map((v) => v.name).join(', ') || 'none'})`);
        return w;
      },
      hasWeight: (name) => layer.weights.some((v) => shortWeightName(v) === name),
      outputName(i = 0) {
        let name = outputNames.get(i);
        if (name === undefined) {
          name = g.unique(call.outputs.length > 1 ? `${prefix}:${i}` : prefix);
          outputNames.set(i, name);
        }
        return name;
      },
      error: (message) => new ExportError(`${className} layer '${layer.name}': ${message}`),
    };
    const converter = registry.get(className)!;
    const outputs = converter.convert(ctx);
    if (outputs.length !== call.outputs.length) throw ctx.error(`the converter returned ${outputs.length} outputs for ${call.outputs.length}`);
    outputs.forEach((ref, i) => {
      const expected = call.outputs[i].shape;
      if (ref.shape.length !== expected.length || ref.shape.some((d, k) => d !== expected[k])) {
        throw ctx.error(`the converter's output ${i} has shape [${ref.shape}], tfjs says [${expected}]`);
      }
      refs.set(call.outputs[i].id, ref);
    });
  }
  return refs;
}

/**
 * Exports an AMFT LayersModel to ONNX. `cfg` is the model's config (variant, preprocessing,
 * lstm); the result's metadata is valid under the shared ModelMetadata schema and is also stored
 * in the file's metadata_props.
 */
export function exportToOnnx(model: tf.LayersModel, cfg: ModelConfig, opts: ExportOptions = {}): ExportResult {
  checkModelAgainstConfig(model, cfg);
  const registry = opts.registry ?? defaultRegistry();
  const { metadata, summary } = buildMetadataFor(model, cfg, {
    ...opts.metadata,
    name: opts.name ?? opts.metadata?.name ?? defaultModelName(cfg),
    tta: opts.tta ?? 'none',
    ...(opts.calibration ? { calibration: opts.calibration } : {}),
  });
  const tta = opts.tta ?? 'none';
  const io = metadata.io;
  const g = new GraphBuilder();

  const { height: H, width: W, channels: C } = cfg.preprocessing;
  const K = cfg.numClasses;
  const inputName = g.reserve(cfg.lstm ? IO_NAMES.sequenceInput : IO_NAMES.input);
  const outputNames = cfg.lstm ? [IO_NAMES.logits, PROBABILITIES, IO_NAMES.frameLogits] : [IO_NAMES.logits, PROBABILITIES];
  for (const o of outputNames) g.reserve(o);
  const inputLayout: Layout = 'channels-first';
  const rank = model.inputs[0].shape.length;
  const graphInput: TensorRef = { name: viewBatch(g, inputName, rank, tta, { c: C, h: H, w: W }), shape: model.inputs[0].shape as Shape, layout: inputLayout };

  const refs = convertGraph(model, g, registry, graphInput);

  // Name the outputs as IO_NAMES says (a rename when the tensor is a node's output, else an Identity).
  const taken = new Set<string>();
  const wantName = (ref: TensorRef, name: string): void => {
    const producer = g.nodes.find((n) => n.output?.includes(ref.name));
    if (producer && !taken.has(ref.name) && ref.name !== inputName && ref.name !== graphInput.name) renameTensor(g.nodes, ref.name, name);
    else g.op('Identity', [ref.name], {}, { name });
    taken.add(name);
  };
  const outputRef = (layerName: string): TensorRef => {
    const t = model.outputs.find((o) => o.sourceLayer.name === layerName)!;
    const ref = refs.get(t.id)!;
    return { ...ref, name: averageViews(g, ref.name, layerName, tta) };
  };
  const logits = outputRef(IO_NAMES.logits);
  if (logits.layout !== 'plain' || logits.shape.length !== 2 || logits.shape[1] !== K) throw new ExportError(`logits must be [N, ${K}], got [${logits.shape}]`);
  wantName(logits, IO_NAMES.logits);
  const scaled = opts.calibration ? g.op('Div', [IO_NAMES.logits, g.floatConst([opts.calibration.temperature], [])], {}, { base: 'logits_over_temperature' }) : IO_NAMES.logits;
  g.op('Softmax', [scaled], { axis: 1 }, { name: PROBABILITIES });
  if (cfg.lstm) {
    const frameLogits = outputRef(IO_NAMES.frameLogits);
    if (frameLogits.layout !== 'plain' || frameLogits.shape.length !== 3 || frameLogits.shape[2] !== K) {
      throw new ExportError(`frame logits must be [N, T, ${K}], got [${frameLogits.shape}]`);
    }
    wantName(frameLogits, IO_NAMES.frameLogits);
  }

  const state = { nodes: g.nodes.slice(), initializers: g.initializers, inputs: [inputName], outputs: outputNames, unique: (b: string) => g.unique(b) };
  const passes = optimizeGraph(state, { folding: !opts.noFolding });

  const inputDims: Array<number | string> = cfg.lstm ? ['N', 'T', C, H, W] : ['N', C, H, W];
  const outputInfo: Record<string, Array<number | string>> = {
    [IO_NAMES.logits]: ['N', K],
    [PROBABILITIES]: ['N', K],
    [IO_NAMES.frameLogits]: ['N', 'T', K],
  };
  const proto: ModelProto = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: PRODUCER,
    producerVersion: `tfjs ${tf.version.tfjs}`,
    domain: 'ai.amft',
    modelVersion: 1,
    docString: `AMFT facial-expression classifier (${metadata.variant}${cfg.lstm ? ', LSTM sequence head' : ''}), exported from TensorFlow.js. Input ${io.input} [${inputDims.join(',')}] normalized per metadata 'amft.preprocessing'; outputs ${outputNames.join(', ')}.`,
    graph: {
      name: metadata.name,
      node: state.nodes,
      initializer: [...state.initializers.values()],
      input: [valueInfo(inputName, inputDims)],
      output: outputNames.map((n) => valueInfo(n, outputInfo[n])),
    },
    metadataProps: metadataProps(metadata, summary, cfg),
  };
  const problems = checkModel(proto);
  if (problems.length) throw new ExportError(`the exported graph failed its checks:\n  ${problems.join('\n  ')}`);
  const ops: Record<string, number> = {};
  for (const n of state.nodes) ops[n.opType!] = (ops[n.opType!] ?? 0) + 1;
  return {
    bytes: encodeModel(proto),
    metadata,
    report: { nodes: state.nodes.length, initializers: state.initializers.size, ops, passes },
  };
}
