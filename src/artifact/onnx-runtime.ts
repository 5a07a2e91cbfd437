/**
 * Reading and running model.onnx: its metadata_props without decoding the graph, and
 * onnxruntime-node sessions (every output returned NCHW under its name).
 */
import protobuf from 'protobufjs';
import { PosePortError } from '../core/errors.js';
import { onnx } from '../emit/onnx/proto.js';
import type { Inputs, Outputs } from './outputs.js';

/**
 * Walks the top-level fields of a ModelProto without decoding it: `visit` gets each
 * length-delimited field's number and bytes (every other field is skipped). A protobuf
 * error is MODEL_FORMAT naming the file and the byte (`within`: of which nested field).
 */
function walkModelFields(bytes: Uint8Array, file: string, visit: (field: number, body: Uint8Array) => void, within = ''): void {
  const r = protobuf.Reader.create(bytes);
  try {
    while (r.pos < r.len) {
      const tag = r.uint32();
      if ((tag & 7) === 2) visit(tag >>> 3, r.bytes());
      else r.skipType(tag & 7);
    }
  } catch (e) {
    throw new PosePortError('MODEL_FORMAT', `not an ONNX model (protobuf error at byte ${r.pos}${within}: ${(e as Error).message})`, { file });
  }
}

/** Reads ModelProto.metadata_props (field 14) without decoding the graph: only the metadata entries are decoded. */
export function readOnnxMetadataProps(bytes: Uint8Array, file: string): Record<string, string> {
  const out: Record<string, string> = {};
  walkModelFields(bytes, file, (field, body) => {
    if (field !== 14) return;
    const e = onnx.StringStringEntryProto.decode(body);
    out[e.key] = e.value;
  });
  return out;
}

/** A graph input or output: its name and dims (a number, or the symbolic name of a dynamic dim). */
export interface OnnxValueInfo {
  name: string;
  dims: (number | string)[];
}

/**
 * The graph's inputs and outputs (GraphProto fields 11 and 12 of ModelProto field 7),
 * read without decoding the nodes or the initializers (their bytes are skipped).
 */
export function readOnnxGraphIO(bytes: Uint8Array, file: string): { inputs: OnnxValueInfo[]; outputs: OnnxValueInfo[] } {
  const inputs: OnnxValueInfo[] = [];
  const outputs: OnnxValueInfo[] = [];
  const info = (b: Uint8Array): OnnxValueInfo => {
    const v = onnx.ValueInfoProto.decode(b);
    const dims = (v.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue ?? 0)));
    return { name: v.name, dims };
  };
  walkModelFields(bytes, file, (field, graph) => {
    if (field !== 7) return;
    walkModelFields(
      graph,
      file,
      (f, body) => {
        if (f === 11) inputs.push(info(body));
        else if (f === 12) outputs.push(info(body));
      },
      ' of the graph field',
    );
  });
  return { inputs, outputs };
}

/** A session on `bytes` for `f`, released after it. */
async function withSession<T>(bytes: Uint8Array, executionProviders: readonly string[] | undefined, f: (ort: typeof import('onnxruntime-node'), s: import('onnxruntime-node').InferenceSession) => Promise<T>): Promise<T> {
  const ort = await import('onnxruntime-node');
  const s = await ort.InferenceSession.create(bytes, executionProviders ? { executionProviders: [...executionProviders] } : {});
  try {
    return await f(ort, s);
  } finally {
    await s.release();
  }
}

/** every output of a session run, float32 with its dims */
function allOutputs(s: import('onnxruntime-node').InferenceSession, r: import('onnxruntime-node').InferenceSession.OnnxValueMapType): Outputs {
  return new Map(s.outputNames.map((n) => [n, { data: r[n].data as Float32Array, shape: [...r[n].dims].map(Number) }]));
}

/**
 * Runs an ONNX model (bytes) once on `input` of `shape` for its first input; returns every
 * output. `executionProviders` as resolveExecutionProviders gave them (default cpu).
 */
export async function runOnnxOutputs(bytes: Uint8Array, input: Float32Array, shape: readonly number[], executionProviders?: readonly string[]): Promise<Outputs> {
  return withSession(bytes, executionProviders, async (ort, s) => allOutputs(s, await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', input, [...shape]) })));
}

/** Runs an ONNX model (bytes) once on named inputs (uint8 or float32, as declared); returns every output (float32 outputs only). */
export async function runOnnxInputs(bytes: Uint8Array, inputs: Inputs, executionProviders?: readonly string[]): Promise<Outputs> {
  return withSession(bytes, executionProviders, async (ort, s) => {
    const feeds = Object.fromEntries([...inputs].map(([name, v]) => [name, v.data instanceof Uint8Array ? new ort.Tensor('uint8', v.data, v.shape) : new ort.Tensor('float32', v.data, v.shape)]));
    return allOutputs(s, await s.run(feeds));
  });
}
