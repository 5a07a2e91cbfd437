/** pose-port's public library API. */
export { PosePortError, isPosePortError, type ErrorCode } from './core/errors.js';
export type { DType, TypedArrayOf } from './core/dtype.js';
export type { TensorEntry, TensorSet } from './core/tensor.js';
export { VERSION } from './version.js';
export { emitOnnx, planOnnx, validateOnnx, DEFAULT_OPSET, SUPPORTED_OPSETS, type EmitOnnxOptions, type OnnxSummary } from './emit/onnx/index.js';
