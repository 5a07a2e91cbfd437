import { PosePortError } from '../../core/errors.js';
import type { Graph } from '../../ir/graph.js';
import { VERSION } from '../../version.js';
import { checkConverterGraph } from './check.js';
import { shapeJson, type GraphDefJson, type TensorShapeJson } from './graphdef.js';
import { lowerToTf, type TfConst } from './lower.js';
import { toFloat16Bytes, toUint8, type Quantization, type QuantizeDType } from './quantize.js';

/** TF.js's default shard size (tensorflowjs_converter --weight_shard_size_bytes). */
export const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;

/**
 * The GraphDef version written in modelTopology.versions. TF.js reads it only as the
 * model's version string; 1 is the lowest TensorFlow accepts (TF_GRAPH_DEF_VERSION_MIN_PRODUCER 0),
 * and none of the ops we emit changed meaning across GraphDef versions.
 */
export const GRAPHDEF_PRODUCER = 1;

export interface EmitTfjsOptions {
  /** written as userDefinedMetadata (the same facts as the ONNX artifact's metadata) */
  metadata?: Record<string, unknown>;
  /** weight storage: float32 (default), float16 or uint8 (TF.js manifest quantization) */
  quantize?: QuantizeDType;
  /** layout of the outputs: NHWC (default, no transposes) or NCHW (one Transpose per output) */
  outputLayout?: 'NHWC' | 'NCHW';
  /** rank-4 float32 inputs as NHWC placeholders (default), or every input in the IR's own layout and type */
  inputLayout?: 'NHWC' | 'as-declared';
  /** maximum bytes per weight shard (default 4 MiB) */
  shardBytes?: number;
}

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  quantization?: Quantization;
}

export interface TensorInfoJson {
  name: string;
  dtype: 'DT_FLOAT';
  tensorShape: TensorShapeJson;
}

/** model.json of a TF.js graph model (tfjs-core io ModelJSON, the fields we write). */
export interface TfjsModelJson {
  format: 'graph-model';
  generatedBy: string;
  convertedBy: string;
  modelTopology: GraphDefJson;
  signature: { inputs: Record<string, TensorInfoJson>; outputs: Record<string, TensorInfoJson> };
  userDefinedMetadata?: Record<string, unknown>;
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
}

export interface TfjsShard {
  name: string;
  bytes: Uint8Array;
}

export interface TfjsArtifact {
  modelJson: TfjsModelJson;
  shards: TfjsShard[];
}

const OPTION_KEYS = new Set(['metadata', 'quantize', 'outputLayout', 'inputLayout', 'shardBytes']);
/** userDefinedMetadata keys TF.js's GraphModel interprets itself (graph_model.ts) */
const RESERVED_METADATA = new Set(['signature', 'structuredOutputKeys']);

function checkOptions(opts: EmitTfjsOptions): void {
  for (const k of Object.keys(opts))
    if (!OPTION_KEYS.has(k)) throw new PosePortError('USAGE', `unknown TF.js emitter option '${k}' (known: ${[...OPTION_KEYS].join(', ')})`);
  if (opts.quantize !== undefined && opts.quantize !== 'float16' && opts.quantize !== 'uint8')
    throw new PosePortError('USAGE', `TF.js quantize must be 'float16' or 'uint8', got '${String(opts.quantize)}'`);
  if (opts.outputLayout !== undefined && opts.outputLayout !== 'NHWC' && opts.outputLayout !== 'NCHW')
    throw new PosePortError('USAGE', `TF.js outputLayout must be 'NHWC' or 'NCHW', got '${String(opts.outputLayout)}'`);
  if (opts.shardBytes !== undefined && !(Number.isInteger(opts.shardBytes) && opts.shardBytes >= 1024))
    throw new PosePortError('USAGE', `TF.js shardBytes must be an integer >= 1024, got ${String(opts.shardBytes)}`);
  const md = opts.metadata;
  if (md !== undefined) {
    if (md === null || typeof md !== 'object' || Array.isArray(md)) throw new PosePortError('USAGE', 'TF.js metadata must be a plain object');
    for (const k of Object.keys(md))
      if (RESERVED_METADATA.has(k)) throw new PosePortError('USAGE', `TF.js metadata key '${k}' is reserved: TF.js's GraphModel interprets it`);
    try {
      JSON.stringify(md);
    } catch (e) {
      throw new PosePortError('USAGE', `TF.js metadata is not JSON-serializable: ${(e as Error).message}`);
    }
  }
}

/** Bytes of one constant as stored, and its manifest entry. */
function encodeConst(c: TfConst, quantize: QuantizeDType | undefined): { spec: WeightSpec; bytes: Uint8Array } {
  const data = c.data();
  const numel = c.shape.reduce((a, b) => a * b, 1);
  if (data.length !== numel) throw new PosePortError('EMIT_FORMAT', `TF.js constant '${c.name}' holds ${data.length} values, shape needs ${numel}`, { key: c.name });
  const spec: WeightSpec = { name: c.name, shape: [...c.shape], dtype: c.dtype };
  if (c.dtype === 'float32' && c.weight && quantize === 'float16') {
    spec.quantization = { dtype: 'float16' };
    return { spec, bytes: toFloat16Bytes(data as Float32Array) };
  }
  if (c.dtype === 'float32' && c.weight && quantize === 'uint8') {
    const q = toUint8(data as Float32Array);
    spec.quantization = { dtype: 'uint8', min: q.min, scale: q.scale };
    return { spec, bytes: q.bytes };
  }
  // little-endian on every platform Node runs on; copy to own the buffer
  return { spec, bytes: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) };
}

export function shardName(i: number, n: number): string {
  return `group1-shard${i + 1}of${n}.bin`;
}

/**
 * The TF.js graph model of `graph`: NHWC end to end (input [N,H,W,3], outputs
 * [N,h,w,K]), weights transposed at conversion, every node checked against the ops
 * the installed @tensorflow/tfjs-converter executes (EMIT_UNSUPPORTED otherwise), and
 * the weights in shards of at most `shardBytes`.
 */
export function emitTfjs(graph: Graph, opts: EmitTfjsOptions = {}): TfjsArtifact {
  checkOptions(opts);
  if (graph.outputs.length === 0) throw new PosePortError('GRAPH_INVALID', 'the graph has no outputs');
  if (opts.inputLayout !== undefined && opts.inputLayout !== 'NHWC' && opts.inputLayout !== 'as-declared')
    throw new PosePortError('USAGE', `TF.js inputLayout must be 'NHWC' or 'as-declared', got '${String(opts.inputLayout)}'`);
  const lowered = lowerToTf(graph, { outputLayout: opts.outputLayout ?? 'NHWC', inputLayout: opts.inputLayout ?? 'NHWC' });
  checkConverterGraph(lowered.nodes);

  const specs: WeightSpec[] = [];
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const c of lowered.consts) {
    const { spec, bytes } = encodeConst(c, opts.quantize);
    specs.push(spec);
    parts.push(bytes);
    total += bytes.byteLength;
  }
  const shardBytes = opts.shardBytes ?? DEFAULT_SHARD_BYTES;
  const n = Math.ceil(total / shardBytes);
  const shards: TfjsShard[] = [];
  let part = 0;
  let partOffset = 0;
  for (let i = 0; i < n; i++) {
    const size = Math.min(shardBytes, total - i * shardBytes);
    const bytes = new Uint8Array(size);
    let filled = 0;
    while (filled < size) {
      const src = parts[part];
      const take = Math.min(size - filled, src.byteLength - partOffset);
      bytes.set(src.subarray(partOffset, partOffset + take), filled);
      filled += take;
      partOffset += take;
      if (partOffset === src.byteLength) {
        part++;
        partOffset = 0;
      }
    }
    shards.push({ name: shardName(i, n), bytes });
  }

  const info = (io: { name: string; shape: readonly number[] }): TensorInfoJson => ({ name: `${io.name}:0`, dtype: 'DT_FLOAT', tensorShape: shapeJson(io.shape) });
  const modelJson: TfjsModelJson = {
    format: 'graph-model',
    generatedBy: `pose-port ${VERSION} (MMPose checkpoint)`,
    convertedBy: `pose-port ${VERSION}`,
    modelTopology: { node: lowered.nodes, library: {}, versions: { producer: GRAPHDEF_PRODUCER } },
    signature: {
      inputs: Object.fromEntries(lowered.inputs.map((io) => [io.name, info(io)])),
      outputs: Object.fromEntries(lowered.outputs.map((io) => [io.name, info(io)])),
    },
    ...(opts.metadata !== undefined ? { userDefinedMetadata: JSON.parse(JSON.stringify(opts.metadata)) } : {}),
    weightsManifest: [{ paths: shards.map((s) => s.name), weights: specs }],
  };
  return { modelJson, shards };
}

/** Total bytes on disk: model.json (as writeTfjs writes it) plus the shards. */
export function artifactBytes(a: TfjsArtifact): number {
  return Buffer.byteLength(serializeModelJson(a.modelJson)) + a.shards.reduce((s, x) => s + x.bytes.byteLength, 0);
}

export function serializeModelJson(m: TfjsModelJson): string {
  return JSON.stringify(m);
}
