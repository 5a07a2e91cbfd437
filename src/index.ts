/** pose-port's public library API. */
export { PosePortError, isPosePortError, type ErrorCode } from './core/errors.js';
export type { DType, TypedArrayOf } from './core/dtype.js';
export type { TensorEntry, TensorSet } from './core/tensor.js';
export { VERSION } from './version.js';
export { emitOnnx, planOnnx, validateOnnx, DEFAULT_OPSET, SUPPORTED_OPSETS, type EmitOnnxOptions, type OnnxSummary } from './emit/onnx/index.js';
export { onnxMetadataProps, checkModelMetadata, type ModelMetadata } from './emit/onnx/index.js';
export { listZoo, getZooEntry, findZooEntry, zooMetric } from './zoo/registry.js';
export type { ZooEntry, ZooMetric, ZooMetricKey, ZooDataset, ZooPreset, ZooConfig } from './zoo/types.js';
export { fetchCheckpoint, defaultCheckpointDir, mirrorUrl, type FetchOptions, type FetchResult, type FetchProgress } from './zoo/fetch.js';
export type { HttpGet, HttpResponse, HttpGetOptions } from './zoo/http.js';
export { verifyGraph } from './ir/verify.js';
export { printGraph } from './ir/print.js';
export { runPasses, PASSES, DEFAULT_PASSES, type AppliedPass, type Pass } from './passes/index.js';
export { openCheckpoint, openCheckpointSync, openCheckpointBytes, DEFAULT_LIMITS } from './pth/index.js';
export type { Checkpoint, OpenOptions, PlainValue, PthTensorEntry, PthTensorSet, PickleLimits, ZipInfo, LegacyInfo } from './pth/index.js';
export { tensorBytes, tensorSha256 } from './core/tensor-bytes.js';
export * from './eval/index.js';
export { decodeImage, encodePng, encodeJpeg, writeImage } from './io/image.js';
