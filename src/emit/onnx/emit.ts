import { constantData, constantDataInto } from '../../ir/constant.js';
import { PosePortError } from '../../core/errors.js';
import { shapeString } from '../../core/tensor.js';
import { asMultiple, multipleDim } from '../../ir/dim.js';
import type { Graph } from '../../ir/graph.js';
import type { Shape, Value } from '../../ir/types.js';
import { assertNever } from '../../core/assert.js';
import { VERSION } from '../../version.js';
import { lowerNodes, ONNX_TYPE } from './lower.js';
import { checkOpset, DEFAULT_OPSET, irVersionFor } from './opset.js';
import type { IValueInfoProto } from './proto.js';
import { collect, layoutModel, littleEndianBytes, LITTLE_ENDIAN_HOST, type LazyInitializer, type OnnxBytes } from './write.js';

export interface EmitOnnxOptions {
  /** ONNX opset (default DEFAULT_OPSET = 11); see SUPPORTED_OPSETS */
  opset?: number;
  /** ModelProto.metadata_props, written in the given key order */
  metadata?: Record<string, string>;
  /** ModelProto.producer_version (default: the pose-port version) */
  producerVersion?: string;
  /** GraphProto.name (default 'pose_port') */
  graphName?: string;
}

const OPTION_KEYS = new Set(['opset', 'metadata', 'producerVersion', 'graphName']);

function checkOptions(opts: EmitOnnxOptions): void {
  for (const k of Object.keys(opts))
    if (!OPTION_KEYS.has(k)) throw new PosePortError('USAGE', `unknown ONNX emitter option '${k}' (known: ${[...OPTION_KEYS].join(', ')})`);
  for (const [k, v] of Object.entries(opts.metadata ?? {}))
    if (typeof v !== 'string') throw new PosePortError('USAGE', `ONNX metadata '${k}' must be a string, got ${typeof v}`);
}

function valueInfo(v: Value, label: (d: string) => string = (d) => d): IValueInfoProto {
  const dim = (d: Shape[number]) => (typeof d === 'number' ? { dimValue: d } : { dimParam: label(d) });
  return { name: v.name, type: { tensorType: { elemType: ONNX_TYPE[v.dtype], shape: { dim: v.shape.map(dim) } } } };
}

/**
 * value_info for every intermediate value the lowering kept under its IR name: its element
 * type and shape, symbolic dims under their IR labels (ir/dim.ts: equal labels are equal
 * sizes, which is what ONNX's dim_param promises too). onnxruntime's shape inference cannot
 * see through the keypoint graph's gathers and reshapes; told that every tensor of the
 * network shares one batch dim, it runs the network inside that graph ~10 % faster
 * (bench/keypoints.ts; an unnamed batch dim gains a third of that). When the batch may be
 * empty (Graph.emptyBatch, ./empty-batch.ts) the tensors between the guards hold max(N, 1)
 * entries, and their batch label says so.
 */
function intermediateValueInfo(graph: Graph, nodes: readonly { output?: string[] | null }[]): IValueInfoProto[] {
  const produced = new Set(nodes.flatMap((n) => n.output ?? []));
  const outputs = new Set(graph.outputs.map((v) => v.name));
  const batch = graph.emptyBatch?.dim;
  const label = (d: string): string => {
    const m = asMultiple(d);
    return batch !== undefined && m.base === batch ? String(multipleDim(m.k, `max(${batch},1)`)) : d;
  };
  const out: IValueInfoProto[] = [];
  for (const n of graph.nodes)
    for (const v of n.outputs)
      if (produced.has(v.name) && !outputs.has(v.name))
        out.push(valueInfo(v, label));
  return out;
}

/** Float32 constant data in the constant's own element type (integer and bool constants hold small exact values). */
function typedData(v: Value, data: Float32Array): Float32Array | Int32Array | BigInt64Array | Uint8Array {
  switch (v.dtype) {
    case 'float32':
      return data;
    case 'int32':
      return Int32Array.from(data);
    case 'int64':
      return BigInt64Array.from(data, (x) => BigInt(x));
    case 'uint8':
    case 'bool':
      return Uint8Array.from(data);
    default:
      return assertNever(v.dtype);
  }
}

/** The initializer of an IR constant: data read on demand, widened to float32 if needed. */
function constantInitializer(v: Value): LazyInitializer {
  const dims = v.shape.map((d) => {
    if (typeof d !== 'number') throw new PosePortError('GRAPH_INVALID', `constant '${v.name}' has a symbolic dimension`);
    return d;
  });
  const numel = dims.reduce((a, b) => a * b, 1);
  const init: LazyInitializer = {
    name: v.name,
    dims,
    dataType: ONNX_TYPE[v.dtype],
    byteLength: numel * { float32: 4, int32: 4, int64: 8, uint8: 1, bool: 1 }[v.dtype],
    bytes() {
      const data = constantData(v);
      if (data.length !== numel)
        throw new PosePortError('EMIT_FORMAT', `constant '${v.name}' holds ${data.length} elements, shape ${shapeString(dims)} needs ${numel}`, {
          key: v.name,
        });
      return littleEndianBytes(typedData(v, data));
    },
  };
  if (v.dtype !== 'float32' || !LITTLE_ENDIAN_HOST) return init;
  return { ...init, fill: (target, byteOffset) => constantDataInto(v, new Float32Array(target.buffer, target.byteOffset, target.length / 4), byteOffset / 4) };
}

/**
 * Plans the ONNX ModelProto of `graph` without reading any weight: the size is known,
 * and the bytes are produced chunk by chunk (one checkpoint tensor in memory at a
 * time), so a pipeline can stream them to a file.
 *
 * The graph must be verified (topological order, shapes inferred). Inputs and outputs
 * keep their IR names and shapes (the symbolic batch dimension becomes dim_param 'N').
 * Only constants that some node reads become initializers, in order of first use;
 * they are not listed as graph inputs (IR version >= 4), so runtimes may fold them.
 */
export function planOnnx(graph: Graph, opts: EmitOnnxOptions = {}): OnnxBytes {
  checkOptions(opts);
  const opset = checkOpset(opts.opset ?? DEFAULT_OPSET);
  if (graph.outputs.length === 0) throw new PosePortError('GRAPH_INVALID', 'the graph has no outputs');

  const taken = new Set<string>();
  for (const v of [...graph.inputs, ...graph.constants]) taken.add(v.name);
  for (const n of graph.nodes) {
    taken.add(n.name);
    for (const o of n.outputs) taken.add(o.name);
  }
  const { nodes, aux } = lowerNodes(graph, opset, taken);

  const seen = new Set<Value>();
  const initializers: LazyInitializer[] = [];
  for (const n of graph.nodes)
    for (const v of n.inputs)
      if (v.constant && !seen.has(v)) {
        seen.add(v);
        initializers.push(constantInitializer(v));
      }
  for (const a of aux)
    initializers.push({
      name: a.name,
      dims: a.dims,
      dataType: a.dataType,
      byteLength: a.data.byteLength,
      bytes: () => littleEndianBytes(a.data),
    });

  return layoutModel(
    {
      irVersion: irVersionFor(opset),
      producerName: 'pose-port',
      producerVersion: opts.producerVersion ?? VERSION,
      opsetImport: [{ domain: '', version: opset }],
      metadataProps: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
    },
    {
      name: opts.graphName ?? 'pose_port',
      node: nodes,
      input: graph.inputs.map((v) => valueInfo(v)),
      output: graph.outputs.map((v) => valueInfo(v)),
      valueInfo: intermediateValueInfo(graph, nodes),
    },
    initializers,
  );
}

/**
 * The serialized ONNX ModelProto of `graph` (see planOnnx for the layout), in one
 * buffer allocated once: its size plus one weight tensor at a time is the peak memory.
 */
export function emitOnnx(graph: Graph, opts: EmitOnnxOptions = {}): Uint8Array {
  return collect(planOnnx(graph, opts));
}
