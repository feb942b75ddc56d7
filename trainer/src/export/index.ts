export { exportToOnnx, type ExportOptions, type ExportReport, type ExportResult } from './export-onnx.js';
export { checkModel, OPSET17_OPERATORS } from './checks.js';
export { ConverterRegistry, BUILTIN_CONVERTERS, defaultRegistry, type ConvertContext, type LayerConverter } from './converters/index.js';
export { ExportError, GraphBuilder, type Layout, type TensorRef } from './graph-builder.js';
export { METADATA_KEYS, PROBABILITIES, buildMetadata, metadataFromProps, modelIo, type ExportMetadataInput } from './metadata.js';
export { IR_VERSION, OPSET, decodeModel, onnx } from './onnx.js';
export { exportCheckpoint, saveOptimizedModel, MODEL_FILE, METADATA_FILE, PORTABLE_MODEL_FILE, type WriteExportOptions, type WrittenExport } from './write-export.js';
export { loadTrainerCheckpoint, type CheckpointLoader, type LoadedForExport } from './checkpoint-loader.js';
export { quantizeWeights, toHalfBits, type QuantizeMode, type QuantizeOptions, type QuantizeResult } from './quantize.js';
