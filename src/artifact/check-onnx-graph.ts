/**
 * A model.onnx as untrusted input: before onnxruntime loads it, every node's output shape
 * is inferred in order from the graph's declared inputs (a symbolic dim, the batch N or a
 * keypoint graph's image H and W, stays unknown), and every attribute (kernel, pads,
 * strides, dilations, axes, perm) and every constant a node takes as a tensor (Reshape's
 * shape, Pad's pads, Slice's bounds, Resize's scales, ReduceSum's axes) is checked against
 * the shapes it applies to. An edited constant (a pool padding of 3000, a stride of 0, a
 * reshape to 1e9 values) is MODEL_FORMAT naming the node and the attribute or input.
 *
 * Deny by default: only the ops pose-port's ONNX lowering writes (src/emit/onnx/lower.ts)
 * have a rule; any other op is refused naming the node. Activations are bounded like the
 * TF.js check's: each known spatial side at most SPATIAL_FACTOR x the largest declared side
 * (or the metadata's input side), and per sample (unknown dims counted as 1) at most
 * MAX_ELEMENTS values.
 *
 * Past 300 lines because it is one table of op rules over one shape walk (as
 * check-tfjs-graph.ts, whose bounds it shares).
 */
import { PosePortError } from '../core/errors.js';
import { onnx, type IAttributeProto, type INodeProto, type ITensorProto } from '../emit/onnx/proto.js';
import { MAX_ELEMENTS, SPATIAL_FACTOR } from './check-tfjs-graph.js';

/** A dim: a number, or null when symbolic (N, a keypoint graph's image H/W, or derived from one). */
type Dim = number | null;

interface Val {
  shape: Dim[];
  /** an initializer's int64 values (shape constants) */
  ints?: number[];
  /** an initializer's float values (Resize scales) */
  floats?: number[];
  /** an initializer (its dims are all known) */
  constant?: boolean;
}

interface Ctx {
  file: string;
  /** the bound of every known spatial side */
  side: number;
}

const ELEM_BYTES: Record<number, number> = { 1: 4, 2: 1, 3: 1, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8 };
/** Cast targets the emitter writes: float, uint8, int32, int64, bool */
const CAST_TO = new Set([1, 2, 6, 7, 9]);

function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Number(v);
  if (typeof v === 'bigint') return Number(v);
  if (v && typeof (v as { toNumber?: unknown }).toNumber === 'function') return (v as { toNumber(): number }).toNumber();
  return Number.NaN;
}

function fail(ctx: Ctx, node: INodeProto, msg: string, details?: Record<string, unknown>): never {
  throw new PosePortError('MODEL_FORMAT', `node '${node.name ?? ''}' (${node.opType ?? '?'}): ${msg}`, { file: ctx.file, key: node.name ?? undefined, ...(details ? { details } : {}) });
}

const attr = (node: INodeProto, name: string): IAttributeProto | undefined => (node.attribute ?? []).find((a) => a.name === name);
const attrInts = (node: INodeProto, name: string): number[] | undefined => {
  const a = attr(node, name);
  return a ? (a.ints ?? []).map(num) : undefined;
};
const attrInt = (node: INodeProto, name: string): number | undefined => {
  const a = attr(node, name);
  return a ? num(a.i ?? 0) : undefined;
};
const attrStr = (node: INodeProto, name: string): string | undefined => {
  const a = attr(node, name);
  return a?.s ? Buffer.from(a.s).toString('utf8') : undefined;
};

const shapeStr = (s: readonly Dim[]) => `[${s.map((d) => (d === null ? '?' : d)).join(', ')}]`;
const known = (s: readonly Dim[]) => s.every((d) => d !== null);
const product = (s: readonly Dim[]) => s.reduce<number>((p, d) => p * (d ?? 1), 1);

/** The output's bounds: sides of rank-4 NCHW values at most ctx.side, per sample at most MAX_ELEMENTS. */
function bounded(ctx: Ctx, node: INodeProto, shape: Dim[]): Val {
  for (const d of shape) if (d !== null && !(Number.isSafeInteger(d) && d >= 0)) fail(ctx, node, `output dim ${d} of ${shapeStr(shape)} is not a size`);
  if (shape.length === 4) for (const d of shape.slice(2)) if (d !== null && d > ctx.side) fail(ctx, node, `output ${shapeStr(shape)} has a side of ${d}, above ${ctx.side} (${SPATIAL_FACTOR} x the input's)`);
  const per = product(shape.slice(shape.length > 1 ? 1 : 0));
  if (per > MAX_ELEMENTS) fail(ctx, node, `output ${shapeStr(shape)} holds ${per} values per sample, above ${MAX_ELEMENTS}`);
  return { shape };
}

function tensorValues(ctx: Ctx, t: ITensorProto): Val {
  const dims = (t.dims ?? []).map(num);
  const where = `initializer '${t.name ?? ''}'`;
  const bad = (msg: string): never => {
    throw new PosePortError('MODEL_FORMAT', `${where}: ${msg}`, { file: ctx.file, key: t.name ?? undefined });
  };
  if (dims.some((d) => !(Number.isSafeInteger(d) && d >= 0))) bad(`dims [${dims.join(', ')}] are not sizes`);
  const count = dims.reduce((p, d) => p * d, 1);
  const type = t.dataType ?? 0;
  const size = ELEM_BYTES[type];
  if (size === undefined) bad(`data type ${type} is not one pose-port writes`);
  const raw = t.rawData && t.rawData.length ? t.rawData : undefined;
  const v: Val = { shape: dims, constant: true };
  if (raw) {
    if (raw.length !== count * size) bad(`holds ${raw.length} bytes, its dims [${dims.join(', ')}] say ${count * size}`);
    if (count <= 64) {
      const view = new DataView(raw.buffer, raw.byteOffset, raw.length);
      if (type === 7) v.ints = Array.from({ length: count }, (_, i) => Number(view.getBigInt64(i * 8, true)));
      if (type === 6) v.ints = Array.from({ length: count }, (_, i) => view.getInt32(i * 4, true));
      if (type === 1) v.floats = Array.from({ length: count }, (_, i) => view.getFloat32(i * 4, true));
    }
  } else if (type === 7) {
    if ((t.int64Data ?? []).length !== count) bad(`holds ${(t.int64Data ?? []).length} values, its dims say ${count}`);
    v.ints = (t.int64Data ?? []).map(num);
  } else if (type === 1) {
    if ((t.floatData ?? []).length !== count) bad(`holds ${(t.floatData ?? []).length} values, its dims say ${count}`);
    v.floats = [...(t.floatData ?? [])];
  } else if (count > 0 && (t.int32Data ?? []).length !== count) bad(`holds no data for its ${count} values`);
  else if (type === 6 && count <= 64) v.ints = [...(t.int32Data ?? [])];
  return v;
}

/** The tensor input `i` of `node`, which must be an initializer holding integers (int64; int32 for Slice). */
function constInts(ctx: Ctx, node: INodeProto, vals: Map<string, Val>, i: number, what: string): number[] {
  const v = vals.get(node.input?.[i] ?? '');
  if (!v?.constant || !v.ints) fail(ctx, node, `input ${i} (${what}) must be an int64 initializer`);
  if (v.ints.some((x) => !Number.isSafeInteger(x))) fail(ctx, node, `${what} [${v.ints.join(', ')}] are not integers`);
  return v.ints;
}

function axisIn(ctx: Ctx, node: INodeProto, axis: number | undefined, rank: number, what: string): number {
  if (axis === undefined || !Number.isSafeInteger(axis) || axis < -rank || axis >= rank) fail(ctx, node, `${what} ${axis} is outside the input's rank ${rank}`);
  return axis < 0 ? axis + rank : axis;
}

function broadcast(ctx: Ctx, node: INodeProto, shapes: Dim[][]): Dim[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let d: Dim = 1;
    for (const s of shapes) {
      const e = i - (rank - s.length) >= 0 ? s[i - (rank - s.length)] : 1;
      if (e === 1) continue;
      if (e === null) d = d === 1 ? null : d;
      else if (d === 1 || d === null) d = e;
      else if (d !== e) fail(ctx, node, `inputs ${shapes.map(shapeStr).join(' and ')} do not broadcast`);
    }
    out.push(d);
  }
  return out;
}

/**
 * Window attributes of Conv / ConvTranspose / MaxPool: kernel, strides, dilations at least 1,
 * pads non-negative, all at most the spatial side they apply to (or ctx.side when it is unknown).
 */
function windowAttrs(ctx: Ctx, node: INodeProto, x: Dim[], kernel: number[]): { strides: number[]; pads: number[]; dilations: number[] } {
  if (x.length !== 4) fail(ctx, node, `input ${shapeStr(x)} is not NCHW`);
  const strides = attrInts(node, 'strides') ?? [1, 1];
  const pads = attrInts(node, 'pads') ?? [0, 0, 0, 0];
  const dilations = attrInts(node, 'dilations') ?? [1, 1];
  const ap = attr(node, 'auto_pad');
  if (ap && attrStr(node, 'auto_pad') !== 'NOTSET') fail(ctx, node, `attribute auto_pad '${attrStr(node, 'auto_pad')}' is not one pose-port writes`);
  if (kernel.length !== 2 || strides.length !== 2 || dilations.length !== 2 || pads.length !== 4)
    fail(ctx, node, `attributes kernel_shape [${kernel}] strides [${strides}] dilations [${dilations}] pads [${pads}] are not 2-D`);
  for (let i = 0; i < 2; i++) {
    const side = x[2 + i] ?? ctx.side;
    const checks: [string, number, number, number][] = [
      ['kernel_shape', kernel[i], 1, side + pads[i] + pads[i + 2]],
      ['strides', strides[i], 1, Math.max(side, 1)],
      ['dilations', dilations[i], 1, Math.max(side, 1)],
      ['pads', pads[i], 0, side],
      ['pads', pads[i + 2], 0, side],
    ];
    for (const [name, v, lo, hi] of checks)
      if (!Number.isSafeInteger(v) || v < lo || v > hi) fail(ctx, node, `attribute ${name} [${(attrInts(node, name) ?? kernel).join(', ')}] has ${v}, outside ${lo}..${hi} for an input side of ${side}`, { attribute: name });
  }
  return { strides, pads, dilations };
}

type Rule = (ctx: Ctx, node: INodeProto, ins: Val[], vals: Map<string, Val>) => Dim[][];

const same: Rule = (_c, _n, ins) => [ins[0].shape];
const elementwise: Rule = (ctx, node, ins) => [broadcast(ctx, node, ins.map((v) => v.shape))];

function convOut(x: Dim, k: number, s: number, p0: number, p1: number, d: number): Dim {
  return x === null ? null : Math.floor((x + p0 + p1 - d * (k - 1) - 1) / s) + 1;
}

const RULES: Record<string, Rule> = {
  Conv(ctx, node, [x, w]) {
    if (!w?.constant || w.shape.length !== 4) fail(ctx, node, 'input 1 (the weight) must be a 4-D initializer');
    const kernel = attrInts(node, 'kernel_shape') ?? (w.shape.slice(2) as number[]);
    if (kernel.some((k, i) => k !== w.shape[2 + i])) fail(ctx, node, `attribute kernel_shape [${kernel}] differs from the weight's ${shapeStr(w.shape)}`, { attribute: 'kernel_shape' });
    const { strides, pads, dilations } = windowAttrs(ctx, node, x.shape, kernel);
    const group = attrInt(node, 'group') ?? 1;
    const c = x.shape[1];
    if (!Number.isSafeInteger(group) || group < 1 || (c !== null && (c % group !== 0 || c / group !== w.shape[1])))
      fail(ctx, node, `attribute group ${group} does not fit ${c} input channels and weight ${shapeStr(w.shape)}`, { attribute: 'group' });
    const o = [0, 1].map((i) => convOut(x.shape[2 + i], kernel[i], strides[i], pads[i], pads[i + 2], dilations[i]));
    if (o.some((d) => d !== null && d < 1)) fail(ctx, node, `output sides [${o}] are empty`);
    return [[x.shape[0], w.shape[0], ...o]];
  },
  ConvTranspose(ctx, node, [x, w]) {
    if (!w?.constant || w.shape.length !== 4) fail(ctx, node, 'input 1 (the weight) must be a 4-D initializer');
    const kernel = attrInts(node, 'kernel_shape') ?? (w.shape.slice(2) as number[]);
    if (kernel.some((k, i) => k !== w.shape[2 + i])) fail(ctx, node, `attribute kernel_shape [${kernel}] differs from the weight's ${shapeStr(w.shape)}`, { attribute: 'kernel_shape' });
    const { strides, pads, dilations } = windowAttrs(ctx, node, x.shape, kernel);
    const op = attrInts(node, 'output_padding') ?? [0, 0];
    if (op.length !== 2 || op.some((v, i) => !Number.isSafeInteger(v) || v < 0 || v >= Math.max(strides[i], dilations[i])))
      fail(ctx, node, `attribute output_padding [${op}] is outside 0..stride-1`, { attribute: 'output_padding' });
    const group = attrInt(node, 'group') ?? 1;
    if (!Number.isSafeInteger(group) || group < 1 || (x.shape[1] !== null && x.shape[1] !== w.shape[0])) fail(ctx, node, `weight ${shapeStr(w.shape)} does not fit input ${shapeStr(x.shape)} (group ${group})`, { attribute: 'group' });
    const o = [0, 1].map((i) => {
      const d = x.shape[2 + i];
      return d === null ? null : strides[i] * (d - 1) + op[i] + (kernel[i] - 1) * dilations[i] + 1 - pads[i] - pads[i + 2];
    });
    if (o.some((d) => d !== null && d < 1)) fail(ctx, node, `output sides [${o}] are empty`);
    return [[x.shape[0], (w.shape[1] as number) * group, ...o]];
  },
  MaxPool(ctx, node, [x]) {
    const kernel = attrInts(node, 'kernel_shape');
    if (!kernel) fail(ctx, node, 'attribute kernel_shape is missing', { attribute: 'kernel_shape' });
    if (attrInt(node, 'ceil_mode')) fail(ctx, node, 'attribute ceil_mode is not one pose-port writes', { attribute: 'ceil_mode' });
    if (node.output && node.output.length > 1) fail(ctx, node, 'the indices output is not one pose-port writes');
    const { strides, pads, dilations } = windowAttrs(ctx, node, x.shape, kernel);
    for (let i = 0; i < 2; i++) if (pads[i] >= kernel[i] || pads[i + 2] >= kernel[i]) fail(ctx, node, `attribute pads [${pads}] is not below kernel_shape [${kernel}]`, { attribute: 'pads' });
    return [[x.shape[0], x.shape[1], ...[0, 1].map((i) => convOut(x.shape[2 + i], kernel[i], strides[i], pads[i], pads[i + 2], dilations[i]))]];
  },
  BatchNormalization(ctx, node, ins) {
    const c = ins[0].shape[1];
    for (let i = 1; i < 5; i++) if (ins[i] && (ins[i].shape.length !== 1 || (c !== null && ins[i].shape[0] !== null && ins[i].shape[0] !== c))) fail(ctx, node, `input ${i} ${shapeStr(ins[i].shape)} does not match ${c} channels`);
    if ((node.output ?? []).length > 1) fail(ctx, node, 'training outputs are not ones pose-port writes');
    return [ins[0].shape];
  },
  Relu: same,
  Sigmoid: same,
  Floor: same,
  Round: same,
  Sign: same,
  Log: same,
  Exp: same,
  Neg: same,
  Not: same,
  Cast(ctx, node, [x]) {
    const to = attrInt(node, 'to');
    if (to === undefined || !CAST_TO.has(to)) fail(ctx, node, `attribute to ${to} is not a type pose-port writes`, { attribute: 'to' });
    return [x.shape];
  },
  Add: elementwise,
  Sub: elementwise,
  Mul: elementwise,
  Div: elementwise,
  Max: elementwise,
  Min: elementwise,
  And: elementwise,
  Greater: elementwise,
  Less: elementwise,
  Equal: elementwise,
  Where: elementwise,
  GlobalAveragePool(ctx, node, [x]) {
    if (x.shape.length !== 4) fail(ctx, node, `input ${shapeStr(x.shape)} is not NCHW`);
    return [[x.shape[0], x.shape[1], 1, 1]];
  },
  Resize(ctx, node, ins, vals) {
    const x = ins[0];
    if ((node.input ?? []).length > 3 && node.input![3]) fail(ctx, node, 'input 3 (sizes) is not one pose-port writes');
    const sv = vals.get(node.input?.[2] ?? '');
    if (!sv?.constant || !sv.floats) fail(ctx, node, 'input 2 (scales) must be a float initializer');
    const scales = sv.floats;
    if (scales.length !== x.shape.length) fail(ctx, node, `scales [${scales}] do not match the input's rank ${x.shape.length}`);
    if (scales.some((s) => !(s > 0 && s <= ctx.side))) fail(ctx, node, `scales [${scales}] are outside (0, ${ctx.side}]`);
    return [x.shape.map((d, i) => (d === null ? null : Math.floor(d * scales[i])))];
  },
  Concat(ctx, node, ins) {
    const rank = ins[0].shape.length;
    const axis = axisIn(ctx, node, attrInt(node, 'axis'), rank, 'attribute axis');
    const out = [...ins[0].shape];
    for (const v of ins.slice(1)) {
      if (v.shape.length !== rank) fail(ctx, node, `inputs ${ins.map((i) => shapeStr(i.shape)).join(', ')} differ in rank`);
      out[axis] = out[axis] === null || v.shape[axis] === null ? null : (out[axis] as number) + (v.shape[axis] as number);
    }
    return [out];
  },
  Slice(ctx, node, ins, vals) {
    const x = ins[0].shape;
    const ends = constInts(ctx, node, vals, 2, 'ends');
    const axes = (node.input ?? []).length > 3 ? constInts(ctx, node, vals, 3, 'axes') : ends.map((_, i) => i);
    if ((node.input ?? []).length > 4 && node.input![4]) fail(ctx, node, 'input 4 (steps) is not one pose-port writes');
    // starts computed when run (the empty-batch guard, src/emit/onnx/empty-batch.ts) only on
    // symbolic axes: a slice shrinks the axis whatever they hold
    const computed = !vals.get(node.input?.[1] ?? '')?.constant;
    if (computed && (ins[1]?.shape.length !== 1 || ins[1].shape[0] !== axes.length || axes.some((a) => x[axisIn(ctx, node, a, x.length, 'axes value')] !== null)))
      fail(ctx, node, `input 1 (starts) must be an int64 initializer (computed starts only on a symbolic axis)`);
    const starts = computed ? axes.map(() => 0) : constInts(ctx, node, vals, 1, 'starts');
    if (starts.length !== ends.length || starts.length !== axes.length) fail(ctx, node, `starts [${starts}], ends [${ends}] and axes [${axes}] differ in length`);
    const out = [...x];
    axes.forEach((a, i) => {
      const ax = axisIn(ctx, node, a, x.length, 'axes value');
      const d = x[ax];
      if (d === null) return;
      const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + d : v, 0), d);
      out[ax] = Math.max(clamp(ends[i]) - clamp(starts[i]), 0);
    });
    return [out];
  },
  Reshape(ctx, node, ins, vals) {
    const x = ins[0].shape;
    const shape = constInts(ctx, node, vals, 1, 'shape');
    if (shape.some((d) => d < -1) || shape.filter((d) => d === -1).length > 1) fail(ctx, node, `shape [${shape}] has a dim below -1 or more than one -1`, { input: 'shape' });
    if (attrInt(node, 'allowzero')) fail(ctx, node, 'attribute allowzero is not one pose-port writes');
    const out: Dim[] = shape.map((d, i) => (d === 0 ? (i < x.length ? x[i] : fail(ctx, node, `shape [${shape}] copies dim ${i} of a rank-${x.length} input`)) : d));
    const fixed = out.reduce<number>((p, d) => p * (d === -1 || d === null ? 1 : d), 1);
    if (fixed > MAX_ELEMENTS) fail(ctx, node, `shape [${shape}] holds ${fixed} values, above the bound ${MAX_ELEMENTS}`, { input: 'shape' });
    if (known(x)) {
      const count = product(x);
      const hole = out.indexOf(-1);
      if (hole >= 0) {
        if (fixed === 0 || count % fixed !== 0) fail(ctx, node, `shape [${shape}] does not divide the input ${shapeStr(x)} (${count} values)`, { input: 'shape' });
        out[hole] = count / fixed;
      } else if (fixed !== count) fail(ctx, node, `shape [${shape}] holds ${fixed} values, the input ${shapeStr(x)} ${count}`, { input: 'shape' });
    } else {
      const hole = out.indexOf(-1);
      if (hole >= 0) out[hole] = null;
    }
    return [out];
  },
  Gather(ctx, node, [x, idx]) {
    const axis = axisIn(ctx, node, attrInt(node, 'axis') ?? 0, x.shape.length, 'attribute axis');
    return [[...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)]];
  },
  Shape(ctx, node, [x]) {
    if (attr(node, 'start') || attr(node, 'end')) fail(ctx, node, 'attributes start/end are not ones pose-port writes');
    return [[x.shape.length]];
  },
  ArgMax(ctx, node, [x]) {
    const axis = axisIn(ctx, node, attrInt(node, 'axis') ?? 0, x.shape.length, 'attribute axis');
    const keep = attrInt(node, 'keepdims') ?? 1;
    return [keep ? x.shape.map((d, i) => (i === axis ? 1 : d)) : x.shape.filter((_, i) => i !== axis)];
  },
  ReduceMax: reduce,
  ReduceSum: reduce,
  Pad(ctx, node, ins, vals) {
    const x = ins[0].shape;
    const mode = attrStr(node, 'mode') ?? 'constant';
    if (mode !== 'constant') fail(ctx, node, `attribute mode '${mode}' is not one pose-port writes`, { attribute: 'mode' });
    const pads = constInts(ctx, node, vals, 1, 'pads');
    if ((node.input ?? []).length > 3 && node.input![3]) fail(ctx, node, 'input 3 (axes) is not one pose-port writes');
    if (pads.length !== 2 * x.length) fail(ctx, node, `pads [${pads}] do not match the input's rank ${x.length}`, { input: 'pads' });
    const out = x.map((d, i) => {
      const [b, e] = [pads[i], pads[i + x.length]];
      const lim = d ?? ctx.side;
      if (b < -lim || e < -lim || b > Math.max(lim, ctx.side) || e > Math.max(lim, ctx.side))
        fail(ctx, node, `pads [${pads}] has ${b}/${e} on axis ${i}, outside -${lim}..${Math.max(lim, ctx.side)} for a side of ${d ?? '?'}`, { input: 'pads' });
      return d === null ? null : d + b + e;
    });
    if (out.some((d) => d !== null && d < 0)) fail(ctx, node, `pads [${pads}] leave a negative side`, { input: 'pads' });
    return [out];
  },
  Transpose(ctx, node, [x]) {
    const perm = attrInts(node, 'perm') ?? x.shape.map((_, i) => x.shape.length - 1 - i);
    if (perm.length !== x.shape.length || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) fail(ctx, node, `attribute perm [${perm}] is not a permutation of ${x.shape.length} axes`, { attribute: 'perm' });
    return [perm.map((p) => x.shape[p])];
  },
};

function reduce(ctx: Ctx, node: INodeProto, ins: Val[], vals: Map<string, Val>): Dim[][] {
  const x = ins[0].shape;
  const axes = (node.input ?? []).length > 1 && node.input![1] ? constInts(ctx, node, vals, 1, 'axes') : attrInts(node, 'axes');
  if (!axes || axes.length === 0) fail(ctx, node, 'no axes (a reduction over everything is not one pose-port writes)');
  const set = new Set(axes.map((a) => axisIn(ctx, node, a, x.length, 'axes value')));
  const keep = attrInt(node, 'keepdims') ?? 1;
  return [keep ? x.map((d, i) => (set.has(i) ? 1 : d)) : x.filter((_, i) => !set.has(i))];
}

/** The ops this check accepts: those pose-port's ONNX lowering writes. */
export const ONNX_GRAPH_OPS: readonly string[] = Object.keys(RULES);

/**
 * Checks a decoded-from-`bytes` model.onnx (see the header); MODEL_FORMAT naming the
 * node and the attribute or input otherwise. `inputSide` (the metadata's larger input
 * side) bounds the spatial sides with the graph's own static input sides.
 */
export function checkOnnxGraph(bytes: Uint8Array, file: string, inputSide: number): void {
  let model: ReturnType<typeof onnx.ModelProto.decode>;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new PosePortError('MODEL_FORMAT', `not an ONNX model (protobuf error: ${(e as Error).message})`, { file });
  }
  const graph = model.graph;
  if (!graph) throw new PosePortError('MODEL_FORMAT', 'the ONNX model has no graph', { file, key: 'graph' });
  for (const o of model.opsetImport ?? [])
    if (o.domain && o.domain !== 'ai.onnx') throw new PosePortError('MODEL_FORMAT', `opset domain '${o.domain}' is not one pose-port writes`, { file, key: 'opset_import' });
  if ((model.functions ?? []).length) throw new PosePortError('MODEL_FORMAT', 'the model defines functions, which pose-port never writes', { file, key: 'functions' });
  const vals = new Map<string, Val>();
  let side = inputSide;
  const ctx: Ctx = { file, side: 0 };
  for (const t of graph.initializer ?? []) vals.set(t.name ?? '', tensorValues(ctx, t));
  for (const i of graph.input ?? []) {
    if (vals.has(i.name ?? '')) continue;
    const dims: Dim[] = (i.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimParam ? null : d.dimValue !== undefined && d.dimValue !== null ? num(d.dimValue) : null));
    if (dims.some((d) => d !== null && !(Number.isSafeInteger(d) && d >= 0)))
      throw new PosePortError('MODEL_FORMAT', `graph input '${i.name}' has dims ${shapeStr(dims)}`, { file, key: i.name ?? undefined });
    if (dims.length === 4) side = Math.max(side, dims[2] ?? 0, dims[3] ?? 0);
    vals.set(i.name ?? '', { shape: dims });
  }
  ctx.side = SPATIAL_FACTOR * side;
  for (const [name, v] of vals)
    if (v.constant && product(v.shape) > MAX_ELEMENTS) throw new PosePortError('MODEL_FORMAT', `initializer '${name}' ${shapeStr(v.shape)} holds more than ${MAX_ELEMENTS} values`, { file, key: name });
  for (const node of graph.node ?? []) {
    if (node.domain) fail(ctx, node, `domain '${node.domain}' is not one pose-port writes`);
    const rule = RULES[node.opType ?? ''];
    if (!rule) fail(ctx, node, `op '${node.opType}' is not one pose-port writes (accepted: ${ONNX_GRAPH_OPS.join(', ')})`);
    const ins = (node.input ?? []).map((n, i) => {
      if (n === '') return { shape: [] } as Val;
      const v = vals.get(n);
      if (!v) fail(ctx, node, `input ${i} '${n}' is not produced before this node`);
      return v;
    });
    if (ins.length === 0) fail(ctx, node, 'has no inputs');
    const outs = rule(ctx, node, ins, vals);
    (node.output ?? []).forEach((o, i) => {
      if (vals.has(o)) fail(ctx, node, `output '${o}' is produced twice`);
      vals.set(o, bounded(ctx, node, outs[Math.min(i, outs.length - 1)]));
    });
  }
}
