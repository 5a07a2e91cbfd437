import { constantData } from '../../ir/constant.js';
import { assertNever } from '../../core/assert.js';
import { PosePortError } from '../../core/errors.js';
import { shapeString } from '../../core/tensor.js';
import type { Graph } from '../../ir/graph.js';
import type { Dim, Node, Pads, Value } from '../../ir/types.js';
import { attr, sanitizeNodeName, type AttrValueJson, type NodeDefJson, type TfDType } from './graphdef.js';
import { explicitPaddingsNhwc, tfPadding } from './padding.js';

/**
 * Lowering of the NCHW IR to an NHWC TensorFlow graph that TF.js executes. Weights are
 * transposed here, once (conv OIHW -> HWIO; transposed conv [in, out, kH, kW] ->
 * [kH, kW, out, in]); the graph has no runtime transposes except the optional NCHW
 * output. Channel axes of concat/slice move from 1 to 3.
 */

/** A constant of the TF graph: a Const node and its entry in the weights manifest. */
export interface TfConst {
  readonly name: string;
  readonly dtype: 'float32' | 'int32';
  readonly shape: readonly number[];
  /** the values in row-major order of `shape`, computed on demand */
  readonly data: () => Float32Array | Int32Array;
  /** a network weight (quantizable); false for shapes, axes and pad values */
  readonly weight: boolean;
}

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

export interface LowerOptions {
  outputLayout: 'NHWC' | 'NCHW';
}

/** NCHW axis -> NHWC axis */
const NHWC_AXIS = [0, 3, 1, 2] as const;

function fail(node: Node, what: string): never {
  throw new PosePortError('EMIT_UNSUPPORTED', `${node.op} '${node.name}'${node.origin ? ` (from '${node.origin}')` : ''}: ${what} in TF.js`, {
    key: node.origin ?? node.name,
    details: { node: node.name, op: node.op },
  });
}

function staticDim(d: Dim, what: () => string): number {
  if (typeof d !== 'number') throw new PosePortError('GRAPH_INVALID', `${what()} must be static, got '${d}'`);
  return d;
}

/** A constant, or a static reshape of one (folded here: same data, new shape). */
export function isConstLike(v: Value): boolean {
  if (v.constant) return true;
  const p = v.producer;
  return p !== null && p.op === 'reshape' && isConstLike(p.inputs[0]);
}

function constData(v: Value): Float32Array {
  const src = v.constant;
  let data: Float32Array;
  if (src) data = constantData(v);
  else if (v.producer?.op === 'reshape') data = constData(v.producer.inputs[0]);
  else throw new PosePortError('GRAPH_INVALID', `'${v.name}' is not a constant`);
  const numel = v.shape.reduce<number>((a, d) => a * (d as number), 1);
  if (data.length !== numel)
    throw new PosePortError('EMIT_FORMAT', `constant '${v.name}' holds ${data.length} elements, shape ${shapeString(v.shape)} needs ${numel}`, { key: v.name });
  return data;
}

/** [N, C, H, W] -> [N, H, W, C] */
function nchwToNhwc(d: Float32Array, [N, C, H, W]: readonly number[]): Float32Array {
  const out = new Float32Array(d.length);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let h = 0; h < H; h++)
        for (let w = 0; w < W; w++) out[((n * H + h) * W + w) * C + c] = d[((n * C + c) * H + h) * W + w];
  return out;
}

/** conv weight [O, I, kH, kW] (rows [o0, o1)) -> HWIO [kH, kW, I, o1-o0] */
function oihwToHwio(w: Float32Array, [O, I, KH, KW]: readonly number[], o0 = 0, o1 = O): Float32Array {
  const On = o1 - o0;
  const out = new Float32Array(On * I * KH * KW);
  for (let o = o0; o < o1; o++)
    for (let i = 0; i < I; i++)
      for (let h = 0; h < KH; h++)
        for (let x = 0; x < KW; x++) out[((h * KW + x) * I + i) * On + (o - o0)] = w[((o * I + i) * KH + h) * KW + x];
  return out;
}

/** transposed-conv weight [I, O, kH, kW] -> Conv2DBackpropInput filter [kH, kW, O, I] (no spatial flip) */
function iohwToHwoi(w: Float32Array, [I, O, KH, KW]: readonly number[]): Float32Array {
  const out = new Float32Array(I * O * KH * KW);
  for (let i = 0; i < I; i++)
    for (let o = 0; o < O; o++)
      for (let h = 0; h < KH; h++)
        for (let x = 0; x < KW; x++) out[((h * KW + x) * O + o) * I + i] = w[((i * O + o) * KH + h) * KW + x];
  return out;
}

export function lowerToTf(graph: Graph, opts: LowerOptions): LoweredTf {
  const nodes: NodeDefJson[] = [];
  const consts: TfConst[] = [];
  const taken = new Set<string>();
  const fresh = (base: string): string => {
    const b = sanitizeNodeName(base);
    let name = b;
    for (let i = 1; taken.has(name); i++) name = `${b}_${i}`;
    taken.add(name);
    return name;
  };

  // graph outputs keep their names (NHWC) on the node computing them
  const outputName = new Map<Value, string>();
  for (const v of graph.outputs) {
    const n = sanitizeNodeName(v.name);
    if (taken.has(n)) throw new PosePortError('GRAPH_INVALID', `two graph outputs map to the TF.js name '${n}'`);
    taken.add(n);
    outputName.set(v, n);
  }
  const nameFor = (v: Value, base: string): string => {
    const n = outputName.get(v);
    return n !== undefined && opts.outputLayout === 'NHWC' && !graph.inputs.includes(v) ? n : fresh(base);
  };

  const tensor = new Map<Value, string>();
  const tensorOf = (v: Value, user: Node): string => {
    const t = tensor.get(v);
    if (t === undefined) {
      if (isConstLike(v)) {
        // a constant operand of an elementwise op or concat: stored NHWC like the activations
        if (v.shape.length !== 4) fail(user, `constant operand '${v.name}' ${shapeString(v.shape)} is not rank 4`);
        const [N, C, H, W] = v.shape as number[];
        return weightConst(v, 'nhwc', [N, H, W, C], (d) => nchwToNhwc(d, [N, C, H, W]));
      }
      throw new PosePortError('GRAPH_INVALID', `'${user.name}' reads '${v.name}' before it is computed`);
    }
    return t;
  };
  const emit = (name: string, op: string, input: string[], a: Record<string, AttrValueJson> = {}): string => {
    nodes.push({ name, op, input, attr: a });
    return name;
  };
  const addConst = (base: string, dtype: 'float32' | 'int32', shape: readonly number[], data: () => Float32Array | Int32Array, weight: boolean): string => {
    const name = fresh(base);
    const tf: TfDType = dtype === 'float32' ? 'DT_FLOAT' : 'DT_INT32';
    emit(name, 'Const', [], { dtype: attr.type(tf), value: attr.tensor(tf, shape) });
    consts.push({ name, dtype, shape, data, weight });
    return name;
  };
  const int32Const = (base: string, values: readonly number[], scalar = false) =>
    addConst(base, 'int32', scalar ? [] : [values.length], () => Int32Array.from(values), false);
  /** an IR weight, transformed; the same (value, layout) is emitted once */
  const weightCache = new Map<string, string>();
  const weightConst = (v: Value, layout: string, shape: readonly number[], make: (d: Float32Array) => Float32Array): string => {
    const key = `${v.id}:${layout}`;
    let name = weightCache.get(key);
    if (name === undefined) {
      name = addConst(layout === 'plain' ? v.name : `${v.name}/${layout}`, 'float32', shape, () => make(constData(v)), true);
      weightCache.set(key, name);
    }
    return name;
  };
  const vectorConst = (v: Value) => weightConst(v, 'plain', [v.shape[0] as number], (d) => d);

  // inputs
  const inputs: TfIo[] = [];
  for (const v of graph.inputs) {
    if (v.shape.length !== 4) throw new PosePortError('EMIT_UNSUPPORTED', `input '${v.name}' ${shapeString(v.shape)} is not rank 4 (NCHW)`, { key: v.name });
    const [n, c, h, w] = v.shape;
    const dims = [typeof n === 'number' ? n : -1, staticDim(h, () => `input '${v.name}' height`), staticDim(w, () => `input '${v.name}' width`), staticDim(c, () => `input '${v.name}' channels`)];
    const name = fresh(v.name);
    emit(name, 'Placeholder', [], { dtype: attr.type('DT_FLOAT'), shape: attr.shape(dims) });
    tensor.set(v, name);
    inputs.push({ name, shape: dims });
  }

  const isOutput = (v: Value) => outputName.has(v);
  /** the single use of `v` if it is a ReLU and `v` is not an output (so the ReLU can be fused) */
  const fusableRelu = (v: Value): Node | undefined => {
    if (v.uses.length !== 1 || isOutput(v)) return undefined;
    const u = v.uses[0];
    return u.op === 'relu' ? u : undefined;
  };
  const fused = new Set<Node>();

  for (const node of graph.nodes) {
    if (fused.has(node)) continue;
    const out = node.outputs[0];
    const hw = (v: Value): [number, number] => [staticDim(v.shape[2], () => `'${node.name}' height`), staticDim(v.shape[3], () => `'${node.name}' width`)];
    switch (node.op) {
      case 'conv': {
        const [x, w, b] = node.inputs;
        const at = node.attrs;
        const [O, Ig, KH, KW] = w.shape.map((d) => d as number);
        const size = hw(x);
        if (at.dilations.some((d) => d !== 1) && at.strides.some((s) => s !== 1)) fail(node, 'a convolution with both strides and dilations > 1 is not supported');
        const pad = tfPadding(size, [KH, KW], at.strides, at.pads, at.dilations);
        const convAttrs: Record<string, AttrValueJson> = {
          T: attr.type('DT_FLOAT'),
          strides: attr.ints([1, at.strides[0], at.strides[1], 1]),
          padding: attr.str(pad.kind),
          data_format: attr.str('NHWC'),
          dilations: attr.ints([1, at.dilations[0], at.dilations[1], 1]),
          ...(pad.kind === 'EXPLICIT' ? { explicit_paddings: attr.ints(explicitPaddingsNhwc(pad.pads)) } : {}),
        };
        const relu = b ? fusableRelu(out) : undefined;
        const finalValue = relu ? relu.outputs[0] : out;
        const xin = tensorOf(x, node);
        let result: string;
        if (at.group === 1) {
          const filter = weightConst(w, 'hwio', [KH, KW, Ig, O], (d) => oihwToHwio(d, [O, Ig, KH, KW]));
          if (b) {
            result = emit(nameFor(finalValue, node.name), '_FusedConv2D', [xin, filter, vectorConst(b)], {
              ...convAttrs,
              num_args: attr.int(1),
              fused_ops: attr.strs(relu ? ['BiasAdd', 'Relu'] : ['BiasAdd']),
              epsilon: attr.float(0),
            });
          } else result = emit(nameFor(out, node.name), 'Conv2D', [xin, filter], convAttrs);
        } else if (Ig === 1 && at.group === (x.shape[1] as number)) {
          // depthwise (group = input channels): PyTorch [C*m, 1, kH, kW] in HWIO order is
          // exactly TF's depthwise filter [kH, kW, C, m] (output channel c*m + j)
          const C = at.group;
          const filter = weightConst(w, 'hwio', [KH, KW, C, O / C], (d) => oihwToHwio(d, [O, 1, KH, KW]));
          result = emit(b || relu ? fresh(node.name) : nameFor(out, node.name), 'DepthwiseConv2dNative', [xin, filter], convAttrs);
          if (b) result = emit(relu ? fresh(`${node.name}/bias`) : nameFor(out, `${node.name}/bias`), 'BiasAdd', [result, vectorConst(b)], { T: attr.type('DT_FLOAT'), data_format: attr.str('NHWC') });
          if (relu) result = emit(nameFor(finalValue, relu.name), 'Relu', [result], { T: attr.type('DT_FLOAT') });
        } else {
          // grouped: one Slice + Conv2D per group, then ConcatV2 on channels (+ bias)
          const G = at.group;
          const Og = O / G;
          const parts: string[] = [];
          for (let g = 0; g < G; g++) {
            const xs = emit(fresh(`${node.name}/group${g}/slice`), 'Slice', [
              xin,
              int32Const(`${node.name}/group${g}/begin`, [0, 0, 0, g * Ig]),
              int32Const(`${node.name}/group${g}/size`, [-1, -1, -1, Ig]),
            ], { T: attr.type('DT_FLOAT') });
            const filter = weightConst(w, `hwio_group${g}`, [KH, KW, Ig, Og], (d) => oihwToHwio(d, [O, Ig, KH, KW], g * Og, (g + 1) * Og));
            parts.push(emit(fresh(`${node.name}/group${g}`), 'Conv2D', [xs, filter], convAttrs));
          }
          const axis = int32Const(`${node.name}/axis`, [3], true);
          const catName = b || relu ? fresh(`${node.name}/concat`) : nameFor(out, node.name);
          result = emit(catName, 'ConcatV2', [...parts, axis], { N: attr.int(G) });
          if (b) result = emit(relu ? fresh(`${node.name}/bias`) : nameFor(out, node.name), 'BiasAdd', [result, vectorConst(b)], { T: attr.type('DT_FLOAT'), data_format: attr.str('NHWC') });
          if (relu) result = emit(nameFor(finalValue, relu.name), 'Relu', [result]);
        }
        tensor.set(out, result);
        if (relu) {
          fused.add(relu);
          tensor.set(relu.outputs[0], result);
        }
        break;
      }
      case 'conv_transpose': {
        const [x, w, b] = node.inputs;
        const at = node.attrs;
        if (at.group !== 1) fail(node, `grouped transposed convolution (group ${at.group}) is not supported`);
        const [I, O, KH, KW] = w.shape.map((d) => d as number);
        const inSize = hw(x);
        const outSize = hw(out);
        // Conv2DBackpropInput is the gradient of the forward conv outSize -> inSize with the
        // same pads; TF's SAME is usable only if it gives these pads and that forward size.
        let pad = tfPadding(outSize, [KH, KW], at.strides, at.pads);
        if (pad.kind === 'SAME' && (Math.ceil(outSize[0] / at.strides[0]) !== inSize[0] || Math.ceil(outSize[1] / at.strides[1]) !== inSize[1]))
          pad = { kind: 'EXPLICIT', pads: at.pads };
        if (pad.kind === 'VALID' && (at.outputPadding[0] !== 0 || at.outputPadding[1] !== 0)) pad = { kind: 'EXPLICIT', pads: at.pads };
        const filter = weightConst(w, 'hwoi', [KH, KW, O, I], (d) => iohwToHwoi(d, [I, O, KH, KW]));
        const xin = tensorOf(x, node);
        const batch = x.shape[0];
        let sizes: string;
        if (typeof batch === 'number') sizes = int32Const(`${node.name}/input_sizes`, [batch, outSize[0], outSize[1], O]);
        else {
          const shape = emit(fresh(`${node.name}/shape`), 'Shape', [xin], { T: attr.type('DT_FLOAT'), out_type: attr.type('DT_INT32') });
          const n = emit(fresh(`${node.name}/batch`), 'Slice', [shape, int32Const(`${node.name}/batch_begin`, [0]), int32Const(`${node.name}/batch_size`, [1])], {});
          sizes = emit(fresh(`${node.name}/input_sizes`), 'ConcatV2', [n, int32Const(`${node.name}/hwc`, [outSize[0], outSize[1], O]), int32Const(`${node.name}/sizes_axis`, [0], true)], { N: attr.int(2) });
        }
        const relu = fusableRelu(out);
        const finalValue = relu ? relu.outputs[0] : out;
        let result = emit(b || relu ? fresh(node.name) : nameFor(out, node.name), 'Conv2DBackpropInput', [sizes, filter, xin], {
          T: attr.type('DT_FLOAT'),
          strides: attr.ints([1, at.strides[0], at.strides[1], 1]),
          padding: attr.str(pad.kind),
          data_format: attr.str('NHWC'),
          ...(pad.kind === 'EXPLICIT' ? { explicit_paddings: attr.ints(explicitPaddingsNhwc(pad.pads)) } : {}),
        });
        if (b) result = emit(relu ? fresh(`${node.name}/bias`) : nameFor(out, `${node.name}/bias`), 'BiasAdd', [result, vectorConst(b)], { T: attr.type('DT_FLOAT'), data_format: attr.str('NHWC') });
        if (relu) {
          result = emit(nameFor(finalValue, relu.name), 'Relu', [result], { T: attr.type('DT_FLOAT') });
          fused.add(relu);
          tensor.set(finalValue, result);
        }
        tensor.set(out, result);
        break;
      }
      case 'batch_norm': {
        const [x, gamma, beta, mean, variance] = node.inputs;
        tensor.set(
          out,
          emit(nameFor(out, node.name), 'FusedBatchNormV3', [tensorOf(x, node), vectorConst(gamma), vectorConst(beta), vectorConst(mean), vectorConst(variance)], {
            T: attr.type('DT_FLOAT'),
            epsilon: attr.float(node.attrs.epsilon),
            data_format: attr.str('NHWC'),
            is_training: attr.bool(false),
          }),
        );
        break;
      }
      case 'relu':
        tensor.set(out, emit(nameFor(out, node.name), 'Relu', [tensorOf(node.inputs[0], node)], { T: attr.type('DT_FLOAT') }));
        break;
      case 'add':
        tensor.set(out, emit(nameFor(out, node.name), 'AddV2', node.inputs.map((v) => tensorOf(v, node)), { T: attr.type('DT_FLOAT') }));
        break;
      case 'max_pool': {
        const at = node.attrs;
        const [x] = node.inputs;
        const pad = tfPadding(hw(x), at.kernel, at.strides, at.pads);
        let xin = tensorOf(x, node);
        if (pad.kind === 'EXPLICIT') {
          // PyTorch pads max-pool windows with -inf; PadV2 with -inf then a VALID pool is exact
          const [t, l, bt, r] = pad.pads as Pads;
          xin = emit(fresh(`${node.name}/pad`), 'PadV2', [
            xin,
            addConst(`${node.name}/paddings`, 'int32', [4, 2], () => Int32Array.from([0, 0, t, bt, l, r, 0, 0]), false),
            addConst(`${node.name}/pad_value`, 'float32', [], () => Float32Array.of(-Infinity), false),
          ], { T: attr.type('DT_FLOAT') });
        }
        tensor.set(
          out,
          emit(nameFor(out, node.name), 'MaxPool', [xin], {
            T: attr.type('DT_FLOAT'),
            ksize: attr.ints([1, at.kernel[0], at.kernel[1], 1]),
            strides: attr.ints([1, at.strides[0], at.strides[1], 1]),
            padding: attr.str(pad.kind === 'SAME' ? 'SAME' : 'VALID'),
            data_format: attr.str('NHWC'),
          }),
        );
        break;
      }
      case 'resize': {
        const at = node.attrs;
        const [oh, ow] = hw(out);
        const size = int32Const(`${node.name}/size`, [oh, ow]);
        const xin = tensorOf(node.inputs[0], node);
        const common = { T: attr.type('DT_FLOAT'), half_pixel_centers: attr.bool(false) };
        switch (at.mode) {
          case 'nearest':
            // PyTorch nearest: src = floor(dst * in / out); TF without align/half-pixel is the same
            tensor.set(out, emit(nameFor(out, node.name), 'ResizeNearestNeighbor', [xin, size], { ...common, align_corners: attr.bool(false) }));
            break;
          case 'bilinear_align_corners':
            tensor.set(out, emit(nameFor(out, node.name), 'ResizeBilinear', [xin, size], { ...common, align_corners: attr.bool(true) }));
            break;
          default:
            return assertNever(at);
        }
        break;
      }
      case 'concat': {
        const axis = NHWC_AXIS[node.attrs.axis];
        if (axis === undefined) fail(node, `axis ${node.attrs.axis} of a rank-4 tensor`);
        const xs = node.inputs.map((v) => tensorOf(v, node));
        tensor.set(out, emit(nameFor(out, node.name), 'ConcatV2', [...xs, int32Const(`${node.name}/axis`, [axis], true)], { T: attr.type('DT_FLOAT'), N: attr.int(xs.length) }));
        break;
      }
      case 'slice': {
        const at = node.attrs;
        const [x] = node.inputs;
        if (x.shape.length !== 4) fail(node, `slicing a rank-${x.shape.length} tensor`);
        const axis = NHWC_AXIS[at.axis];
        const begin = [0, 0, 0, 0];
        const size = [-1, -1, -1, -1];
        begin[axis] = at.start;
        size[axis] = at.end - at.start;
        tensor.set(
          out,
          emit(nameFor(out, node.name), 'Slice', [tensorOf(x, node), int32Const(`${node.name}/begin`, begin), int32Const(`${node.name}/size`, size)], {
            T: attr.type('DT_FLOAT'),
            Index: attr.type('DT_INT32'),
          }),
        );
        break;
      }
      case 'global_avg_pool':
        tensor.set(
          out,
          emit(nameFor(out, node.name), 'Mean', [tensorOf(node.inputs[0], node), int32Const(`${node.name}/axes`, [1, 2])], {
            T: attr.type('DT_FLOAT'),
            Tidx: attr.type('DT_INT32'),
            keep_dims: attr.bool(true),
          }),
        );
        break;
      case 'sigmoid':
        tensor.set(out, emit(nameFor(out, node.name), 'Sigmoid', [tensorOf(node.inputs[0], node)], { T: attr.type('DT_FLOAT') }));
        break;
      case 'mul':
        // equal ranks, size-1 dims broadcast; both operands NHWC, so broadcasting is unchanged
        tensor.set(out, emit(nameFor(out, node.name), 'Mul', node.inputs.map((v) => tensorOf(v, node)), { T: attr.type('DT_FLOAT') }));
        break;
      case 'reshape':
        // a reshape of a constant is folded into the constant (see isConstLike); of an
        // activation it would mean NCHW order, which an NHWC graph can only honour with
        // runtime transposes
        if (!isConstLike(node.inputs[0])) fail(node, `reshape of the activation '${node.inputs[0].name}' (NCHW order) has no transpose-free NHWC lowering`);
        break;
      case 'binary':
      case 'compare':
      case 'unary':
      case 'where':
      case 'cast':
      case 'gather':
      case 'shape':
      case 'argmax':
      case 'reduce':
      case 'pad':
      case 'transpose':
        fail(node, 'the tensor ops of the keypoint graphs are not lowered yet');
        break;
      default:
        return assertNever(node);
    }
  }

  // outputs: NHWC under their own names, or transposed back to NCHW when asked
  const outputs: TfIo[] = [];
  for (const v of graph.outputs) {
    const name = outputName.get(v)!;
    let t = tensor.get(v);
    if (t === undefined) throw new PosePortError('GRAPH_INVALID', `output '${v.name}' is not computed by the graph`);
    const nchw = v.shape.map((d) => (typeof d === 'number' ? d : -1));
    if (v.shape.length !== 4) throw new PosePortError('EMIT_UNSUPPORTED', `output '${v.name}' ${shapeString(v.shape)} is not rank 4`, { key: v.name });
    if (opts.outputLayout === 'NCHW') {
      t = emit(name, 'Transpose', [t, int32Const(`${name}/perm`, [0, 3, 1, 2])], { T: attr.type('DT_FLOAT'), Tperm: attr.type('DT_INT32') });
      outputs.push({ name, shape: nchw });
    } else {
      if (t !== name) emit(name, 'Identity', [t], { T: attr.type('DT_FLOAT') });
      outputs.push({ name, shape: [nchw[0], nchw[2], nchw[3], nchw[1]] });
    }
  }
  return { nodes, consts, inputs, outputs };
}
