import type { ConvTransposeNode } from '../../../ir/types.js';
import { attr } from '../graphdef.js';
import { explicitPaddingsNhwc, tfPadding } from '../padding.js';
import { FLOAT_T, fail, type LowerContext } from './context.js';

/**
 * A transposed convolution as a sub-pixel convolution: one Conv2D (or _FusedConv2D with
 * the bias and a following ReLU) computing the s*s output phases as channels, DepthToSpace
 * to interleave them, and a Slice that crops the ONNX pads.
 *
 * Why not Conv2DBackpropInput: it needs the output shape [N, H, W, C] as an input, and with
 * a dynamic batch that shape is computed at run time (Shape, Slice, ConcatV2), which
 * tfjs-converter reads with dataSync(). TF.js's webgpu backend reads GPU data synchronously
 * through an OffscreenCanvas, and in chromium on SwiftShader that read returns zeros
 * ("depth of input (0) must match"), found by test/browser/ops.test.ts. Here every shape
 * is a constant (the batch is -1 in the Slice), so no backend reads data back mid-graph.
 *
 * The arithmetic, per axis, with stride s, kernel K, ONNX pads (pb, pe), output padding op:
 * the un-cropped output is y[t] = sum over i, k with i*s + k = t of x[i] * w[k]. Writing
 * t = s*j + r (phase r in [0, s)): y[s*j + r] = sum_{m=0}^{M-1} x[j - m] * w[r + s*m] with
 * M = ceil(K / s) and w = 0 past K: a correlation of x padded by M-1 in front with the
 * kernel c_r[u] = w[r + s*(M-1-u)], u in [0, M). Output o is y[o + pb] for o < outSize.
 * The MACs equal Conv2DBackpropInput's (M^2 * s^2 = K^2 when s divides K).
 */
export function lowerConvTranspose(ctx: LowerContext, node: ConvTransposeNode): void {
  const [x, w, b] = node.inputs;
  const out = node.outputs[0];
  const at = node.attrs;
  if (at.group !== 1) fail(node, `grouped transposed convolution (group ${at.group}) is not supported`);
  const s = at.strides[0];
  if (at.strides[1] !== s) fail(node, `transposed convolution with unequal strides ${at.strides.join('x')} is not supported (DepthToSpace has one block size)`);
  const [I, O, KH, KW] = w.shape.map((d) => d as number);
  const [H, W] = ctx.hw(node, x);
  const [outH, outW] = ctx.hw(node, out);
  const [pt, pl] = at.pads;
  const MH = Math.ceil(KH / s);
  const MW = Math.ceil(KW / s);
  // rows j of the phase grid needed: up to floor((pb + out - 1) / s); pad x after so the VALID conv reaches them
  const endH = Math.max(0, Math.floor((pt + outH - 1) / s) + 1 - H);
  const endW = Math.max(0, Math.floor((pl + outW - 1) / s) + 1 - W);
  const convPads = [MH - 1, MW - 1, endH, endW] as const;
  const pad = tfPadding([H, W], [MH, MW], [1, 1], convPads);
  const C = s * s * O;
  const filter = ctx.weight(w, `subpixel${s}`, [MH, MW, I, C], (d) => subPixelFilter(d, [I, O, KH, KW], s, MH, MW));
  const convAttrs = {
    ...FLOAT_T,
    strides: attr.ints([1, 1, 1, 1]),
    padding: attr.str(pad.kind),
    data_format: attr.str('NHWC'),
    dilations: attr.ints([1, 1, 1, 1]),
    ...(pad.kind === 'EXPLICIT' ? { explicit_paddings: attr.ints(explicitPaddingsNhwc(pad.pads)) } : {}),
  };
  const relu = b ? ctx.fusableRelu(out) : undefined;
  const finalValue = relu ? relu.outputs[0] : out;
  const xin = ctx.input(x, node);
  const phases = b
    ? ctx.emit(ctx.fresh(`${node.name}/phases`), '_FusedConv2D', [xin, filter, ctx.weight(b, `tiled${s * s}`, [C], (d) => tileBias(d, s * s))], {
        ...convAttrs,
        num_args: attr.int(1),
        fused_ops: attr.strs(relu ? ['BiasAdd', 'Relu'] : ['BiasAdd']),
        epsilon: attr.float(0),
      })
    : ctx.emit(ctx.fresh(`${node.name}/phases`), 'Conv2D', [xin, filter], convAttrs);
  const gridH = s * (H + endH);
  const gridW = s * (W + endW);
  const needCrop = pt !== 0 || pl !== 0 || gridH !== outH || gridW !== outW;
  let result = ctx.emit(needCrop ? ctx.fresh(`${node.name}/interleave`) : ctx.nameFor(finalValue, node.name), 'DepthToSpace', [phases], {
    ...FLOAT_T,
    block_size: attr.int(s),
    data_format: attr.str('NHWC'),
  });
  if (needCrop)
    result = ctx.emit(ctx.nameFor(finalValue, `${node.name}/crop`), 'Slice', [
      result,
      ctx.int32(`${node.name}/crop_begin`, [0, pt, pl, 0]),
      ctx.int32(`${node.name}/crop_size`, [-1, outH, outW, O]),
    ], FLOAT_T);
  if (relu) {
    ctx.fused.add(relu);
    ctx.define(relu.outputs[0], result);
  }
  ctx.define(out, result);
}

/**
 * ONNX transposed-conv weight [I, O, KH, KW] -> the sub-pixel Conv2D filter [MH, MW, I, s*s*O]
 * (HWIO): output channel (ry*s + rx)*O + o (DepthToSpace's NHWC order) at tap (u, v) holds
 * w[i, o, ry + s*(MH-1-u), rx + s*(MW-1-v)], zero where that index is past the kernel.
 */
export function subPixelFilter(d: Float32Array, [I, O, KH, KW]: readonly number[], s: number, MH: number, MW: number): Float32Array {
  const C = s * s * O;
  const f = new Float32Array(MH * MW * I * C);
  for (let u = 0; u < MH; u++)
    for (let v = 0; v < MW; v++)
      for (let ry = 0; ry < s; ry++) {
        const kh = ry + s * (MH - 1 - u);
        if (kh >= KH) continue;
        for (let rx = 0; rx < s; rx++) {
          const kw = rx + s * (MW - 1 - v);
          if (kw >= KW) continue;
          for (let i = 0; i < I; i++)
            for (let o = 0; o < O; o++) f[((u * MW + v) * I + i) * C + (ry * s + rx) * O + o] = d[((i * O + o) * KH + kh) * KW + kw];
        }
      }
  return f;
}

/** bias [O] repeated for each of the `phases` channel groups */
function tileBias(d: Float32Array, phases: number): Float32Array {
  const f = new Float32Array(d.length * phases);
  for (let p = 0; p < phases; p++) f.set(d, p * d.length);
  return f;
}
