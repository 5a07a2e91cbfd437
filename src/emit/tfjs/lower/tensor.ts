import type {
  ArgMaxNode,
  BinaryNode,
  CastNode,
  CompareNode,
  ConcatNode,
  GatherNode,
  Node,
  PadNode,
  ReduceNode,
  ReshapeNode,
  ShapeNode,
  SliceNode,
  TransposeNode,
  UnaryNode,
  Value,
  WhereNode,
} from '../../../ir/types.js';
import { attr, type AttrValueJson } from '../graphdef.js';
import { fail, TF_DTYPE, type LowerContext } from './context.js';

/**
 * The tensor ops of the keypoint graphs (any rank, IR order: layout 'plain'). Operands
 * are read with `ctx.plain` (an NHWC activation is transposed once); a transpose between
 * NCHW and NHWC of a rank-4 value costs nothing: it only changes which layout the same
 * TF tensor is recorded with. Integer values are int32 (TF.js has no int64).
 */

const typeAttr = (v: Value): Record<string, AttrValueJson> => ({ T: attr.type(TF_DTYPE[v.dtype]) });

function emitPlain(ctx: LowerContext, node: Node, tfOp: string, inputs: string[], attrs: Record<string, AttrValueJson>): void {
  const out = node.outputs[0];
  ctx.define(out, ctx.emit(ctx.nameFor(out, node.name), tfOp, inputs, attrs), 'plain');
}

const operands = (ctx: LowerContext, node: Node) => node.inputs.map((v) => ctx.plain(v, node));

const BINARY: Record<BinaryNode['attrs']['fn'], string> = { add: 'AddV2', sub: 'Sub', mul: 'Mul', div: 'RealDiv', max: 'Maximum', min: 'Minimum', and: 'LogicalAnd' };
export function lowerBinary(ctx: LowerContext, node: BinaryNode): void {
  if (node.attrs.fn === 'div' && node.inputs[0].dtype !== 'float32') fail(node, `integer division`);
  emitPlain(ctx, node, BINARY[node.attrs.fn], operands(ctx, node), typeAttr(node.inputs[0]));
}

const COMPARE: Record<CompareNode['attrs']['fn'], string> = { greater: 'Greater', less: 'Less', equal: 'Equal' };
export function lowerCompare(ctx: LowerContext, node: CompareNode): void {
  emitPlain(ctx, node, COMPARE[node.attrs.fn], operands(ctx, node), typeAttr(node.inputs[0]));
}

/** Round is half to even in TF.js as in TensorFlow */
const UNARY: Record<UnaryNode['attrs']['fn'], string> = { floor: 'Floor', round: 'Round', sign: 'Sign', log: 'Log', exp: 'Exp', neg: 'Neg', not: 'LogicalNot' };
export function lowerUnary(ctx: LowerContext, node: UnaryNode): void {
  emitPlain(ctx, node, UNARY[node.attrs.fn], operands(ctx, node), typeAttr(node.inputs[0]));
}

export function lowerWhere(ctx: LowerContext, node: WhereNode): void {
  emitPlain(ctx, node, 'SelectV2', operands(ctx, node), typeAttr(node.inputs[1]));
}

export function lowerCast(ctx: LowerContext, node: CastNode): void {
  emitPlain(ctx, node, 'Cast', operands(ctx, node), { DstT: attr.type(TF_DTYPE[node.attrs.to]) });
}

export function lowerGather(ctx: LowerContext, node: GatherNode): void {
  const [x, idx] = operands(ctx, node);
  emitPlain(ctx, node, 'GatherV2', [x, idx, ctx.int32(`${node.name}/axis`, [node.attrs.axis], true)], { batch_dims: attr.int(0) });
}

export function lowerShape(ctx: LowerContext, node: ShapeNode): void {
  emitPlain(ctx, node, 'Shape', operands(ctx, node), { out_type: attr.type('DT_INT32') });
}

/** the first maximum, as TF.js's argMax returns it */
export function lowerArgMax(ctx: LowerContext, node: ArgMaxNode): void {
  emitPlain(ctx, node, 'ArgMax', [...operands(ctx, node), ctx.int32(`${node.name}/axis`, [node.attrs.axis], true)], {});
}

export function lowerReduce(ctx: LowerContext, node: ReduceNode): void {
  const a = node.attrs;
  emitPlain(ctx, node, a.fn === 'max' ? 'Max' : 'Sum', [...operands(ctx, node), ctx.int32(`${node.name}/axes`, a.axes)], {
    ...typeAttr(node.inputs[0]),
    Tidx: attr.type('DT_INT32'),
    keep_dims: attr.bool(a.keepdims),
  });
}

export function lowerPad(ctx: LowerContext, node: PadNode): void {
  const x = node.inputs[0];
  const r = x.shape.length;
  const { pads, value } = node.attrs;
  const paddings: number[] = [];
  for (let i = 0; i < r; i++) paddings.push(pads[i], pads[r + i]);
  const int = TF_DTYPE[x.dtype] === 'DT_INT32';
  const fill = ctx.addConst(`${node.name}/value`, int ? 'int32' : 'float32', [], () => (int ? Int32Array.of(value) : Float32Array.of(value)), false);
  emitPlain(ctx, node, 'PadV2', [ctx.plain(x, node), ctx.addConst(`${node.name}/paddings`, 'int32', [r, 2], () => Int32Array.from(paddings), false), fill], {
    ...typeAttr(x),
    Tpaddings: attr.type('DT_INT32'),
  });
}

export function lowerTranspose(ctx: LowerContext, node: TransposeNode): void {
  const x = node.inputs[0];
  const out = node.outputs[0];
  const perm = node.attrs.perm.join(',');
  const t = ctx.computed(x);
  // NHWC data read as NCHW (or back) is the same TF tensor
  if (t !== undefined && perm === '0,3,1,2' && ctx.layoutOf(x) === 'plain') return ctx.define(out, t, 'nhwc');
  if (t !== undefined && perm === '0,2,3,1' && ctx.layoutOf(x) === 'nhwc') return ctx.define(out, t, 'plain');
  emitPlain(ctx, node, 'Transpose', [ctx.plain(x, node), ctx.int32(`${node.name}/perm`, node.attrs.perm)], { ...typeAttr(x), Tperm: attr.type('DT_INT32') });
}

export function lowerPlainReshape(ctx: LowerContext, node: ReshapeNode): void {
  emitPlain(ctx, node, 'Reshape', [ctx.plain(node.inputs[0], node), ctx.int32(`${node.name}/shape`, node.attrs.shape)], typeAttr(node.inputs[0]));
}

export function lowerPlainConcat(ctx: LowerContext, node: ConcatNode): void {
  const xs = operands(ctx, node);
  emitPlain(ctx, node, 'ConcatV2', [...xs, ctx.int32(`${node.name}/axis`, [node.attrs.axis], true)], { ...typeAttr(node.inputs[0]), N: attr.int(xs.length) });
}

export function lowerPlainSlice(ctx: LowerContext, node: SliceNode): void {
  const x = node.inputs[0];
  const { axis, start, end } = node.attrs;
  const begin = x.shape.map((_, i) => (i === axis ? start : 0));
  const size = x.shape.map((_, i) => (i === axis && Number.isFinite(end) ? end - start : -1));
  emitPlain(ctx, node, 'Slice', [ctx.plain(x, node), ctx.int32(`${node.name}/begin`, begin), ctx.int32(`${node.name}/size`, size)], {
    ...typeAttr(x),
    Index: attr.type('DT_INT32'),
  });
}
