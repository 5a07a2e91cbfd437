import { PosePortError } from '../../core/errors.js';
import type { Graph } from '../../ir/graph.js';
import type { Node, Op, Value } from '../../ir/types.js';
import { attr, type NodeDefJson } from './graphdef.js';
import { LowerContext, staticDim, TF_DTYPE, type LowerOptions, type TfConst } from './lower/context.js';
import { lowerConv } from './lower/conv.js';
import { lowerConvTranspose } from './lower/conv-transpose.js';
import {
  lowerAdd,
  lowerBatchNorm,
  lowerConcat,
  lowerGlobalAvgPool,
  lowerMaxPool,
  lowerMul,
  lowerRelu,
  lowerReshape,
  lowerResize,
  lowerSigmoid,
  lowerSlice,
} from './lower/ops.js';
import {
  lowerArgMax,
  lowerBinary,
  lowerCast,
  lowerCompare,
  lowerGather,
  lowerPad,
  lowerReduce,
  lowerShape,
  lowerTranspose,
  lowerUnary,
  lowerWhere,
} from './lower/tensor.js';

/**
 * Lowering of the NCHW IR to an NHWC TensorFlow graph that TF.js executes. Weights are
 * transposed here, once (conv OIHW -> HWIO; transposed conv [in, out, kH, kW] ->
 * [kH, kW, out, in]); the graph has no runtime transposes except the optional NCHW
 * output. Channel axes of concat/slice move from 1 to 3.
 *
 * Adding an op kind: write `lowerX(ctx, node)` (in ./lower/ops.ts, or its own file under
 * ./lower/ when it needs helpers) and add it to OP_LOWERING below; the table is typed over
 * every IR op, so a new op in ir/types.ts does not compile until it is lowered here. The
 * emitted TF ops must be in ./converter-ops.generated.ts (checked by ./check.ts).
 */

export { isConstLike, type LowerOptions, type TfConst } from './lower/context.js';

export interface TfIo {
  readonly name: string;
  /** with -1 for the batch dimension */
  readonly shape: readonly number[];
}

export interface LoweredTf {
  readonly nodes: NodeDefJson[];
  readonly consts: TfConst[];
  readonly inputs: TfIo[];
  readonly outputs: TfIo[];
}

type OpLowering = { readonly [O in Op]: (ctx: LowerContext, node: Extract<Node, { op: O }>) => void };

const OP_LOWERING: OpLowering = {
  conv: lowerConv,
  conv_transpose: lowerConvTranspose,
  batch_norm: lowerBatchNorm,
  relu: lowerRelu,
  add: lowerAdd,
  max_pool: lowerMaxPool,
  resize: lowerResize,
  concat: lowerConcat,
  slice: lowerSlice,
  global_avg_pool: lowerGlobalAvgPool,
  sigmoid: lowerSigmoid,
  mul: lowerMul,
  reshape: lowerReshape,
  binary: lowerBinary,
  compare: lowerCompare,
  unary: lowerUnary,
  where: lowerWhere,
  cast: lowerCast,
  gather: lowerGather,
  shape: lowerShape,
  argmax: lowerArgMax,
  reduce: lowerReduce,
  pad: lowerPad,
  transpose: lowerTranspose,
};

function lowerNode<O extends Op>(ctx: LowerContext, node: Extract<Node, { op: O }>): void {
  const lower = OP_LOWERING[node.op as O] as ((ctx: LowerContext, node: Extract<Node, { op: O }>) => void) | undefined;
  if (lower === undefined) throw new PosePortError('EMIT_UNSUPPORTED', `op '${node.op}' of '${node.name}' has no TF.js lowering`, { key: node.name });
  lower(ctx, node);
}

export function lowerToTf(graph: Graph, opts: LowerOptions): LoweredTf {
  const ctx = new LowerContext(graph, opts);
  const inputs = graph.inputs.map((v): TfIo => {
    if (v.shape.length !== 4 || v.dtype !== 'float32' || opts.inputLayout === 'as-declared') {
      // in the IR's own order and type (-1 for symbolic dims)
      const dims = v.shape.map((d) => (typeof d === 'number' ? d : -1));
      const name = ctx.fresh(v.name);
      ctx.emit(name, 'Placeholder', [], { dtype: attr.type(TF_DTYPE[v.dtype]), shape: attr.shape(dims) });
      ctx.define(v, name, 'plain');
      spareInFront(ctx, graph, v, name, 'plain');
      return { name, shape: dims };
    }
    const [n, c, h, w] = v.shape;
    const dims = [typeof n === 'number' ? n : -1, staticDim(h, () => `input '${v.name}' height`), staticDim(w, () => `input '${v.name}' width`), staticDim(c, () => `input '${v.name}' channels`)];
    const name = ctx.fresh(v.name);
    ctx.emit(name, 'Placeholder', [], { dtype: attr.type('DT_FLOAT'), shape: attr.shape(dims) });
    ctx.define(v, name);
    spareInFront(ctx, graph, v, name, 'nhwc');
    return { name, shape: dims };
  });

  for (const node of graph.nodes) if (!ctx.fused.has(node)) lowerNode(ctx, node);

  // outputs: NHWC under their own names, or transposed back to NCHW when asked; without
  // the spare batch entry (after the transpose, which must not see an empty batch)
  const outputs = graph.outputs.map((v): TfIo => {
    const name = ctx.outputName.get(v)!;
    let t = ctx.computed(v);
    if (t === undefined) throw new PosePortError('GRAPH_INVALID', `output '${v.name}' is not computed by the graph`);
    const nchw = v.shape.map((d) => (typeof d === 'number' ? d : -1));
    const plain = ctx.layoutOf(v) === 'plain';
    const dtype = attr.type(TF_DTYPE[v.dtype]);
    const transposed = !plain && opts.outputLayout === 'NCHW';
    const spare = graph.emptyBatch !== null && v.shape[0] === graph.emptyBatch.dim;
    if (transposed) {
      const perm = ctx.int32(`${name}/perm`, [0, 3, 1, 2]);
      t = ctx.emit(spare ? ctx.fresh(`${name}/nchw`) : name, 'Transpose', [t, perm], { T: dtype, Tperm: attr.type('DT_INT32') });
    }
    if (spare) {
      const r = v.shape.length;
      const begin = ctx.int32(`${name}/spare_begin`, [1, ...Array<number>(r - 1).fill(0)]);
      const size = ctx.int32(`${name}/spare_size`, Array<number>(r).fill(-1));
      t = ctx.emit(name, 'Slice', [t, begin, size], { T: dtype, Index: attr.type('DT_INT32') });
    }
    if (t !== name) ctx.emit(name, 'Identity', [t], { T: dtype });
    return { name, shape: plain || transposed ? nchw : [nchw[0], nchw[2], nchw[3], nchw[1]] };
  });
  return { nodes: ctx.nodes, consts: ctx.consts, inputs, outputs };
}

/**
 * Graph.emptyBatch: input `v` (TF tensor `t`) gets its spare batch entry in front, a PadV2
 * by one along the first dimension with the input's fill value; `v` is the padded tensor.
 */
function spareInFront(ctx: LowerContext, graph: Graph, v: Value, t: string, layout: 'plain' | 'nhwc'): void {
  const fill = graph.emptyBatch?.fill[v.name];
  if (fill === undefined || v.shape[0] !== graph.emptyBatch!.dim) return;
  if (v.dtype !== 'float32') throw new PosePortError('GRAPH_INVALID', `the spare batch entry of input '${v.name}' needs a float32 input, not ${v.dtype}`);
  const r = v.shape.length;
  const paddings = [1, ...Array<number>(2 * r - 1).fill(0)];
  const padded = ctx.emit(ctx.fresh(`spare/${v.name}`), 'PadV2', [t, ctx.addConst(`spare/${v.name}/paddings`, 'int32', [r, 2], () => Int32Array.from(paddings), false), ctx.addConst(`spare/${v.name}/value`, 'float32', [], () => Float32Array.of(fill), false)], {
    T: attr.type('DT_FLOAT'),
    Tpaddings: attr.type('DT_INT32'),
  });
  ctx.define(v, padded, layout);
}
