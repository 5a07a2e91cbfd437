import { assertNever } from '../../../core/assert.js';
import type {
  AddNode,
  BatchNormNode,
  ConcatNode,
  GlobalAvgPoolNode,
  MaxPoolNode,
  MulNode,
  Pads,
  ReluNode,
  ReshapeNode,
  ResizeNode,
  SigmoidNode,
  SliceNode,
} from '../../../ir/types.js';
import { attr } from '../graphdef.js';
import { tfPadding } from '../padding.js';
import { FLOAT_T, NHWC_AXIS, fail, isConstLike, type LowerContext } from './context.js';
import { lowerPlainConcat, lowerPlainReshape, lowerPlainSlice } from './tensor.js';

/**
 * The lowering of each op kind that maps to one TF node or a short fixed sequence
 * (convolutions are in ./conv.ts). Each reads its operands with `ctx.input`, emits,
 * and `ctx.define`s its output.
 */

/** an op with one TF counterpart taking the operands as they are and only `T` */
function elementwise(ctx: LowerContext, node: ReluNode | AddNode | SigmoidNode | MulNode, tfOp: string): void {
  const out = node.outputs[0];
  ctx.define(out, ctx.emit(ctx.nameFor(out, node.name), tfOp, node.inputs.map((v) => ctx.input(v, node)), FLOAT_T));
}

export const lowerRelu = (ctx: LowerContext, node: ReluNode) => elementwise(ctx, node, 'Relu');
export const lowerAdd = (ctx: LowerContext, node: AddNode) => elementwise(ctx, node, 'AddV2');
export const lowerSigmoid = (ctx: LowerContext, node: SigmoidNode) => elementwise(ctx, node, 'Sigmoid');
/** equal ranks, size-1 dims broadcast; both operands NHWC, so broadcasting is unchanged */
export const lowerMul = (ctx: LowerContext, node: MulNode) => elementwise(ctx, node, 'Mul');

export function lowerBatchNorm(ctx: LowerContext, node: BatchNormNode): void {
  const [x, gamma, beta, mean, variance] = node.inputs;
  const out = node.outputs[0];
  ctx.define(
    out,
    ctx.emit(ctx.nameFor(out, node.name), 'FusedBatchNormV3', [ctx.input(x, node), ctx.vector(gamma), ctx.vector(beta), ctx.vector(mean), ctx.vector(variance)], {
      ...FLOAT_T,
      epsilon: attr.float(node.attrs.epsilon),
      data_format: attr.str('NHWC'),
      is_training: attr.bool(false),
    }),
  );
}

export function lowerMaxPool(ctx: LowerContext, node: MaxPoolNode): void {
  const at = node.attrs;
  const [x] = node.inputs;
  const out = node.outputs[0];
  const pad = tfPadding(ctx.hw(node, x), at.kernel, at.strides, at.pads);
  let xin = ctx.input(x, node);
  if (pad.kind === 'EXPLICIT') {
    // PyTorch pads max-pool windows with -inf; PadV2 with -inf then a VALID pool is exact
    const [t, l, bt, r] = pad.pads as Pads;
    xin = ctx.emit(ctx.fresh(`${node.name}/pad`), 'PadV2', [
      xin,
      ctx.addConst(`${node.name}/paddings`, 'int32', [4, 2], () => Int32Array.from([0, 0, t, bt, l, r, 0, 0]), false),
      ctx.addConst(`${node.name}/pad_value`, 'float32', [], () => Float32Array.of(-Infinity), false),
    ], FLOAT_T);
  }
  ctx.define(
    out,
    ctx.emit(ctx.nameFor(out, node.name), 'MaxPool', [xin], {
      ...FLOAT_T,
      ksize: attr.ints([1, at.kernel[0], at.kernel[1], 1]),
      strides: attr.ints([1, at.strides[0], at.strides[1], 1]),
      padding: attr.str(pad.kind === 'SAME' ? 'SAME' : 'VALID'),
      data_format: attr.str('NHWC'),
    }),
  );
}

export function lowerGlobalAvgPool(ctx: LowerContext, node: GlobalAvgPoolNode): void {
  const out = node.outputs[0];
  ctx.define(
    out,
    ctx.emit(ctx.nameFor(out, node.name), 'Mean', [ctx.input(node.inputs[0], node), ctx.int32(`${node.name}/axes`, [1, 2])], {
      ...FLOAT_T,
      Tidx: attr.type('DT_INT32'),
      keep_dims: attr.bool(true),
    }),
  );
}

export function lowerResize(ctx: LowerContext, node: ResizeNode): void {
  const at = node.attrs;
  const out = node.outputs[0];
  const [oh, ow] = ctx.hw(node, out);
  const size = ctx.int32(`${node.name}/size`, [oh, ow]);
  const xin = ctx.input(node.inputs[0], node);
  const common = { ...FLOAT_T, half_pixel_centers: attr.bool(false) };
  switch (at.mode) {
    case 'nearest':
      // PyTorch nearest: src = floor(dst * in / out); TF without align/half-pixel is the same
      ctx.define(out, ctx.emit(ctx.nameFor(out, node.name), 'ResizeNearestNeighbor', [xin, size], { ...common, align_corners: attr.bool(false) }));
      return;
    case 'bilinear_align_corners':
      ctx.define(out, ctx.emit(ctx.nameFor(out, node.name), 'ResizeBilinear', [xin, size], { ...common, align_corners: attr.bool(true) }));
      return;
    default:
      return assertNever(at);
  }
}

export function lowerConcat(ctx: LowerContext, node: ConcatNode): void {
  if (!ctx.allNhwc(node)) return lowerPlainConcat(ctx, node);
  const out = node.outputs[0];
  const axis = NHWC_AXIS[node.attrs.axis];
  if (axis === undefined) fail(node, `axis ${node.attrs.axis} of a rank-4 tensor`);
  const xs = node.inputs.map((v) => ctx.input(v, node));
  ctx.define(out, ctx.emit(ctx.nameFor(out, node.name), 'ConcatV2', [...xs, ctx.int32(`${node.name}/axis`, [axis], true)], { ...FLOAT_T, N: attr.int(xs.length) }));
}

export function lowerSlice(ctx: LowerContext, node: SliceNode): void {
  const at = node.attrs;
  const [x] = node.inputs;
  const out = node.outputs[0];
  if (!ctx.allNhwc(node)) return lowerPlainSlice(ctx, node);
  const axis = NHWC_AXIS[at.axis];
  const begin = [0, 0, 0, 0];
  const size = [-1, -1, -1, -1];
  begin[axis] = at.start;
  size[axis] = Number.isFinite(at.end) ? at.end - at.start : -1;
  ctx.define(
    out,
    ctx.emit(ctx.nameFor(out, node.name), 'Slice', [ctx.input(x, node), ctx.int32(`${node.name}/begin`, begin), ctx.int32(`${node.name}/size`, size)], {
      ...FLOAT_T,
      Index: attr.type('DT_INT32'),
    }),
  );
}

/**
 * A reshape of a constant is folded into the constant (see isConstLike); of any other
 * value it reshapes the IR-order tensor (an NHWC activation is transposed to NCHW first).
 */
export function lowerReshape(ctx: LowerContext, node: ReshapeNode): void {
  if (!isConstLike(node.inputs[0])) lowerPlainReshape(ctx, node);
}
