/** The TF.js emitter: lowering of the IR to an NHWC TF.js graph model, checked against the converter's op list. */
export { emitTfjs, artifactBytes, shardName, DEFAULT_SHARD_BYTES, type EmitTfjsOptions, type TfjsArtifact, type TfjsModelJson, type TfjsShard, type WeightSpec } from './emit.js';
export { writeTfjs, validateTfjsArtifact, readTfjsArtifacts, artifactToModelArtifacts, specBytes, MODEL_JSON, MAX_MODEL_JSON_BYTES, type TfjsValidation, type TfjsModelArtifacts } from './files.js';
export { checkConverterNode, checkConverterGraph } from './check.js';
export { CONVERTER_VERSION } from './converter-ops.generated.js';
export type { QuantizeDType } from './quantize.js';
