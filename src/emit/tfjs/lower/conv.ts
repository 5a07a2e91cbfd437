import { oihwToHwio } from '../../../core/layout.js';
import type { ConvNode, Node, Value } from '../../../ir/types.js';
import { attr, type AttrValueJson } from '../graphdef.js';
import { explicitPaddingsNhwc, tfPadding } from '../padding.js';
import { FLOAT_T, fail, type LowerContext } from './context.js';

/**
 * Convolutions: a plain conv becomes _FusedConv2D (bias and a following ReLU fused) or
 * Conv2D; a depthwise one DepthwiseConv2dNative; a grouped one a Slice + Conv2D per group
 * and a ConcatV2. Weights are transposed here, once (OIHW -> HWIO). Transposed
 * convolutions are in conv-transpose.ts.
 */

/** what the three conv strategies share */
interface ConvParts {
  readonly node: ConvNode;
  readonly x: Value;
  readonly w: Value;
  readonly b: Value | undefined;
  /** [O, I/group, kH, kW] */
  readonly dims: readonly [number, number, number, number];
  readonly xin: string;
  readonly attrs: Record<string, AttrValueJson>;
  /** a ReLU after the conv that is lowered with it */
  readonly relu: Node | undefined;
}

export function lowerConv(ctx: LowerContext, node: ConvNode): void {
  const [x, w, b] = node.inputs;
  const at = node.attrs;
  const [O, Ig, KH, KW] = w.shape.map((d) => d as number);
  if (at.dilations.some((d) => d !== 1) && at.strides.some((s) => s !== 1)) fail(node, 'a convolution with both strides and dilations > 1 is not supported');
  const pad = tfPadding(ctx.hw(node, x), [KH, KW], at.strides, at.pads, at.dilations);
  const attrs: Record<string, AttrValueJson> = {
    ...FLOAT_T,
    strides: attr.ints([1, at.strides[0], at.strides[1], 1]),
    padding: attr.str(pad.kind),
    data_format: attr.str('NHWC'),
    dilations: attr.ints([1, at.dilations[0], at.dilations[1], 1]),
    ...(pad.kind === 'EXPLICIT' ? { explicit_paddings: attr.ints(explicitPaddingsNhwc(pad.pads)) } : {}),
  };
  const out = node.outputs[0];
  const relu = b ? ctx.fusableRelu(out) : undefined;
  const parts: ConvParts = { node, x, w, b, dims: [O, Ig, KH, KW], xin: ctx.input(x, node), attrs, relu };
  const result = at.group === 1 ? plainConv(ctx, parts) : Ig === 1 && at.group === (x.shape[1] as number) ? depthwiseConv(ctx, parts) : groupedConv(ctx, parts);
  ctx.define(out, result);
  if (relu) {
    ctx.fused.add(relu);
    ctx.define(relu.outputs[0], result);
  }
}

/** group 1: _FusedConv2D with the bias (and ReLU), or Conv2D without a bias */
function plainConv(ctx: LowerContext, { node, w, b, dims: [O, Ig, KH, KW], xin, attrs, relu }: ConvParts): string {
  const out = node.outputs[0];
  const filter = ctx.weight(w, 'hwio', [KH, KW, Ig, O], (d) => oihwToHwio(d, [O, Ig, KH, KW]));
  if (!b) return ctx.emit(ctx.nameFor(out, node.name), 'Conv2D', [xin, filter], attrs);
  return ctx.emit(ctx.nameFor(relu ? relu.outputs[0] : out, node.name), '_FusedConv2D', [xin, filter, ctx.vector(b)], {
    ...attrs,
    num_args: attr.int(1),
    fused_ops: attr.strs(relu ? ['BiasAdd', 'Relu'] : ['BiasAdd']),
    epsilon: attr.float(0),
  });
}

/**
 * group = input channels: PyTorch [C*m, 1, kH, kW] in HWIO order is exactly TF's
 * depthwise filter [kH, kW, C, m] (output channel c*m + j)
 */
function depthwiseConv(ctx: LowerContext, { node, w, b, dims: [O, , KH, KW], xin, attrs, relu }: ConvParts): string {
  const out = node.outputs[0];
  const C = node.attrs.group;
  const filter = ctx.weight(w, 'hwio', [KH, KW, C, O / C], (d) => oihwToHwio(d, [O, 1, KH, KW]));
  let result = ctx.emit(b || relu ? ctx.fresh(node.name) : ctx.nameFor(out, node.name), 'DepthwiseConv2dNative', [xin, filter], attrs);
  if (b) result = ctx.biasAdd(relu ? ctx.fresh(`${node.name}/bias`) : ctx.nameFor(out, `${node.name}/bias`), result, b);
  if (relu) result = ctx.emit(ctx.nameFor(relu.outputs[0], relu.name), 'Relu', [result], FLOAT_T);
  return result;
}

/** other groups: one Slice + Conv2D per group, then ConcatV2 on channels (+ bias) */
function groupedConv(ctx: LowerContext, { node, w, b, dims: [O, Ig, KH, KW], xin, attrs, relu }: ConvParts): string {
  const out = node.outputs[0];
  const G = node.attrs.group;
  const Og = O / G;
  const parts: string[] = [];
  for (let g = 0; g < G; g++) {
    const xs = ctx.emit(ctx.fresh(`${node.name}/group${g}/slice`), 'Slice', [
      xin,
      ctx.int32(`${node.name}/group${g}/begin`, [0, 0, 0, g * Ig]),
      ctx.int32(`${node.name}/group${g}/size`, [-1, -1, -1, Ig]),
    ], FLOAT_T);
    const filter = ctx.weight(w, `hwio_group${g}`, [KH, KW, Ig, Og], (d) => oihwToHwio(d, [O, Ig, KH, KW], g * Og, (g + 1) * Og));
    parts.push(ctx.emit(ctx.fresh(`${node.name}/group${g}`), 'Conv2D', [xs, filter], attrs));
  }
  const axis = ctx.int32(`${node.name}/axis`, [3], true);
  let result = ctx.emit(b || relu ? ctx.fresh(`${node.name}/concat`) : ctx.nameFor(out, node.name), 'ConcatV2', [...parts, axis], { N: attr.int(G) });
  if (b) result = ctx.biasAdd(relu ? ctx.fresh(`${node.name}/bias`) : ctx.nameFor(out, node.name), result, b);
  if (relu) result = ctx.emit(ctx.nameFor(relu.outputs[0], relu.name), 'Relu', [result]);
  return result;
}
