/** The ONNX emitter: lowering of the IR to a ModelProto, its serialization and a structural validator. */
export { emitOnnx, planOnnx, type EmitOnnxOptions } from './emit.js';
export { DEFAULT_OPSET, SUPPORTED_OPSETS, irVersionFor } from './opset.js';
export { initializerBytes, type BodyPart, type OnnxBytes } from './write.js';
export { validateOnnx, type OnnxSummary, type OnnxIO } from './validate.js';
