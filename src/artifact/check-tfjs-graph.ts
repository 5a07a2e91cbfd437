/**
 * A TF.js graph model as untrusted input: before TF.js runs it, every node's shape is
 * inferred from the graph's own input (the Placeholder, NHWC) and every constant the graph
 * uses as a number (int32 paddings, sizes, axes, permutations, slice bounds) and every
 * window attribute (kernel, strides, dilations, explicit paddings) is checked against the
 * shapes it applies to. An edited constant (a pool padding of 3000, a resize to 20000x20000)
 * or a random shard of the right size would otherwise make the kernels allocate gigabytes
 * or index out of bounds in wasm; here it is MODEL_FORMAT naming the node and the operand.
 *
 * Deny by default: only the ops pose-port's emitter writes have a rule; any other op is
 * refused (a new op kind adds its rule here). Activations are bounded: each spatial side at
 * most SPATIAL_FACTOR x the input's larger side, and per sample at most MAX_ELEMENTS values.
 *
 * Keypoint graphs (src/keypoint-graph/: inputs `image` [H, W, 3] int32 and `boxes` [N, 4], or
 * `crops`, `center`, `scale`) have several Placeholders with dimensions unknown until run
 * (-1): a dimension the check cannot know stays -1 through the walk and is checked where it
 * meets a constant only as far as it is known; their activations are bounded as if the input
 * were the largest a heatmap graph may take (MAX_INPUT_SIDE a side). Gather indices computed
 * from the image (the crop's clamped pixel offsets) cannot be known here; constant ones are
 * checked against the dimension they index.
 *
 * Past 300 lines because it is one table of op rules over one shape walk; splitting the
 * rules from the walk would only move the table's shared helpers apart.
 */
import { PosePortError } from '../core/errors.js';
import type { AttrValueJson, NodeDefJson } from '../emit/tfjs/graphdef.js';
import type { TfjsModelArtifacts } from '../emit/tfjs/index.js';
import { specBytes } from '../emit/tfjs/index.js';

/** The input's larger side times this bounds every activation's height and width. */
export const SPATIAL_FACTOR = 4;
/** The most values one activation may hold per sample (2^26 float32: 256 MiB). */
export const MAX_ELEMENTS = 2 ** 26;
/** The largest side a graph's input may declare (and the side a keypoint graph's activations are bounded by). */
export const MAX_INPUT_SIDE = 2048;

/** A value in the graph: its shape (-1: a dimension known only when run), and for int32 tensors whose values are known, the values. */
interface Val {
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool';
  ints?: number[];
}

interface Ctx {
  file: string;
  /** the input's larger side */
  side: number;
}

function fail(ctx: Ctx, node: NodeDefJson, msg: string, details?: Record<string, unknown>): never {
  throw new PosePortError('MODEL_FORMAT', `node '${node.name}' (${node.op}): ${msg}`, { file: ctx.file, key: node.name, ...(details ? { details } : {}) });
}

function attrInts(a: AttrValueJson | undefined): number[] | undefined {
  return a && 'list' in a && 'i' in a.list ? a.list.i.map(Number) : undefined;
}
function attrInt(a: AttrValueJson | undefined): number | undefined {
  return a && 'i' in a ? Number(a.i) : undefined;
}
function attrStr(a: AttrValueJson | undefined): string | undefined {
  return a && 's' in a ? Buffer.from(a.s, 'base64').toString('utf8') : undefined;
}
function attrBool(a: AttrValueJson | undefined): boolean | undefined {
  return a && 'b' in a ? a.b : undefined;
}

const isInt = (v: number) => Number.isSafeInteger(v);

/** Checks an activation's shape against the bounds (an unknown -1 counts as 1). */
function bounded(ctx: Ctx, node: NodeDefJson, v: Val): Val {
  const s = v.shape;
  if (!s.every((d) => isInt(d) && d >= -1)) fail(ctx, node, `output shape [${s}] is not a shape`);
  if (s.length === 4 && (s[1] > SPATIAL_FACTOR * ctx.side || s[2] > SPATIAL_FACTOR * ctx.side))
    fail(ctx, node, `output [${s}] is larger than ${SPATIAL_FACTOR}x the input's ${ctx.side} pixels a side`);
  const per = s.slice(1).reduce((a, b) => a * Math.max(b, 1), 1);
  if (per > MAX_ELEMENTS) fail(ctx, node, `output [${s}] holds ${per} values per sample, above ${MAX_ELEMENTS}`);
  return v;
}

function known(ctx: Ctx, node: NodeDefJson, v: Val, what: string, length?: number): number[] {
  if (v.dtype !== 'int32' || !v.ints) fail(ctx, node, `${what} must be a constant int32 tensor`);
  if (length !== undefined && v.ints.length !== length) fail(ctx, node, `${what} has ${v.ints.length} values, expected ${length}`, { [what]: v.ints });
  return v.ints;
}

function rank4(ctx: Ctx, node: NodeDefJson, v: Val, what = 'input'): [number, number, number, number] {
  if (v.dtype !== 'float32' || v.shape.length !== 4) fail(ctx, node, `${what} must be a rank-4 float32 tensor, is [${v.shape}] ${v.dtype}`);
  return v.shape as [number, number, number, number];
}

/** [1, a, b, 1] window attributes (ksize, strides, dilations): the two spatial values, each in [1, max]. */
function window(ctx: Ctx, node: NodeDefJson, name: string, max: number, dflt?: number[]): [number, number] {
  const v = attrInts(node.attr?.[name]) ?? dflt;
  if (!v || v.length !== 4 || v[0] !== 1 || v[3] !== 1 || !v.every(isInt) || v[1] < 1 || v[2] < 1 || v[1] > max || v[2] > max)
    fail(ctx, node, `${name} ${JSON.stringify(v)} must be [1, a, b, 1] with 1 <= a, b <= ${max}`);
  return [v[1], v[2]];
}

/** The padded spatial sizes and output sizes of a window op (conv or pool) on [H, W]. */
function windowOutput(ctx: Ctx, node: NodeDefJson, hw: [number, number], k: [number, number], s: [number, number], d: [number, number]): [number, number] {
  const padding = attrStr(node.attr?.padding);
  const eff = [(k[0] - 1) * d[0] + 1, (k[1] - 1) * d[1] + 1];
  let pads = [0, 0, 0, 0];
  if (padding === 'EXPLICIT') {
    const p = attrInts(node.attr?.explicit_paddings);
    if (!p || p.length !== 8 || !p.every(isInt) || p[0] || p[1] || p[6] || p[7]) fail(ctx, node, `explicit_paddings ${JSON.stringify(p)} must be [0, 0, t, b, l, r, 0, 0]`);
    pads = [p[2], p[3], p[4], p[5]];
    if (pads.some((x, i) => x < 0 || x > eff[i < 2 ? 0 : 1])) fail(ctx, node, `explicit_paddings [${pads}] must each be within 0..the window (${eff[0]}x${eff[1]})`);
  } else if (padding !== 'VALID' && padding !== 'SAME') fail(ctx, node, `padding '${padding}' is not VALID, SAME or EXPLICIT`);
  if (padding === 'SAME') return [Math.ceil(hw[0] / s[0]), Math.ceil(hw[1] / s[1])];
  const ph = hw[0] + pads[0] + pads[1];
  const pw = hw[1] + pads[2] + pads[3];
  if (eff[0] > ph || eff[1] > pw) fail(ctx, node, `the window ${eff[0]}x${eff[1]} is larger than the padded input ${ph}x${pw}`);
  return [Math.floor((ph - eff[0]) / s[0]) + 1, Math.floor((pw - eff[1]) / s[1]) + 1];
}

function broadcast(ctx: Ctx, node: NodeDefJson, a: number[], b: number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1 && x !== -1 && y !== -1) fail(ctx, node, `operands [${a}] and [${b}] do not broadcast`);
    out.push(x === 1 ? y : y === 1 ? x : Math.max(x, y));
  }
  return out;
}

function axisOf(ctx: Ctx, node: NodeDefJson, a: number, rank: number, what: string): number {
  if (!isInt(a) || a < -rank || a >= rank) fail(ctx, node, `${what} ${a} is outside a rank-${rank} tensor`);
  return a < 0 ? a + rank : a;
}

type Rule = (ctx: Ctx, node: NodeDefJson, ins: Val[]) => Val;

const same: Rule = (ctx, node, [x]) => {
  if (!x) fail(ctx, node, 'needs an input');
  return { dtype: x.dtype, shape: [...x.shape] };
};
/** Two operands of one dtype, broadcast; the result has `dtype` (default: the operands'). */
const binaryTo =
  (dtype?: Val['dtype'], operands?: Val['dtype']): Rule =>
  (ctx, node, [a, b]) => {
    if (!a || !b) fail(ctx, node, 'needs two operands');
    if (a.dtype !== b.dtype || (operands && a.dtype !== operands)) fail(ctx, node, `operands ${a.dtype} and ${b.dtype} ${operands ? `must both be ${operands}` : 'differ in dtype'}`);
    return { dtype: dtype ?? a.dtype, shape: broadcast(ctx, node, a.shape, b.shape) };
  };
const binary = binaryTo();
const compare = binaryTo('bool');

const TF_DTYPES: Readonly<Record<string, Val['dtype']>> = { DT_FLOAT: 'float32', DT_INT32: 'int32', DT_BOOL: 'bool' };
function attrDtype(a: AttrValueJson | undefined): Val['dtype'] | undefined {
  return a && 'type' in a && Object.hasOwn(TF_DTYPES, a.type) ? TF_DTYPES[a.type] : undefined;
}

/** The one int32 value of a constant scalar (or [1]) operand. */
function scalar(ctx: Ctx, node: NodeDefJson, v: Val | undefined, what: string): number {
  if (!v || v.shape.length > 1) fail(ctx, node, `${what} must be a constant int32 scalar`);
  return known(ctx, node, v, what, 1)[0];
}

const elementCount = (s: readonly number[]) => (s.every((d) => d >= 0) ? s.reduce((a, b) => a * b, 1) : undefined);

function conv(ctx: Ctx, node: NodeDefJson, [x, f, ...rest]: Val[]): Val {
  const [n, h, w, c] = rank4(ctx, node, x);
  if (!f || f.dtype !== 'float32' || f.shape.length !== 4) fail(ctx, node, `the filter must be a rank-4 float32 constant`);
  const [kh, kw, ci, co] = f.shape;
  if (ci !== c) fail(ctx, node, `the filter [${f.shape}] takes ${ci} channels, the input has ${c}`);
  const dw = node.op === 'DepthwiseConv2dNative';
  const s = window(ctx, node, 'strides', Math.max(h, w));
  const d = window(ctx, node, 'dilations', Math.max(h, w), [1, 1, 1, 1]);
  const [oh, ow] = windowOutput(ctx, node, [h, w], [kh, kw], s, d);
  const outC = dw ? c * co : co;
  if (node.op === '_FusedConv2D') {
    const args = attrInt(node.attr?.num_args) ?? 0;
    if (args !== rest.length) fail(ctx, node, `num_args ${args} for ${rest.length} extra operands`);
    for (const b of rest) if (b.shape.length !== 1 || b.shape[0] !== outC) fail(ctx, node, `a fused operand [${b.shape}] is not [${outC}]`);
  }
  return { dtype: 'float32', shape: [n, oh, ow, outC] };
}

const RULES: Readonly<Record<string, Rule>> = {
  Identity: (ctx, node, [x]) => ({ ...(x ?? fail(ctx, node, 'needs an input')) }),
  Relu: same,
  Relu6: same,
  Sigmoid: same,
  Tanh: same,
  Exp: same,
  Log: same,
  Neg: same,
  Floor: same,
  Round: same,
  Sign: same,
  AddV2: binary,
  Less: compare,
  Greater: compare,
  Equal: compare,
  LogicalAnd: binaryTo('bool', 'bool'),
  LogicalNot: (ctx, node, [x]) => {
    if (!x || x.dtype !== 'bool') fail(ctx, node, 'needs a bool input');
    return { dtype: 'bool', shape: [...x.shape] };
  },
  SelectV2: (ctx, node, [c, a, b]) => {
    if (!c || !a || !b) fail(ctx, node, 'needs a condition and two operands');
    if (c.dtype !== 'bool' || a.dtype !== b.dtype) fail(ctx, node, `the condition must be bool (is ${c.dtype}) and the operands one dtype (${a.dtype}, ${b.dtype})`);
    return { dtype: a.dtype, shape: broadcast(ctx, node, broadcast(ctx, node, c.shape, a.shape), b.shape) };
  },
  Cast: (ctx, node, [x]) => {
    const to = attrDtype(node.attr?.DstT);
    if (!x || !to) fail(ctx, node, 'needs an input and a DstT of float32, int32 or bool');
    return { dtype: to, shape: [...x.shape] };
  },
  GatherV2: (ctx, node, [x, i, a]) => {
    if (!x || !i || i.dtype !== 'int32') fail(ctx, node, 'needs params and int32 indices');
    if ((attrInt(node.attr?.batch_dims) ?? 0) !== 0) fail(ctx, node, 'batch_dims must be 0');
    const axis = axisOf(ctx, node, scalar(ctx, node, a, 'axis'), x.shape.length, 'axis');
    const d = x.shape[axis];
    if (i.ints && d !== -1) {
      const bad = i.ints.find((v) => !isInt(v) || v < 0 || v >= d);
      if (bad !== undefined) fail(ctx, node, `index ${bad} is outside dimension ${axis} (size ${d})`);
    }
    const ints = x.ints && x.shape.length === 1 && i.ints ? i.ints.map((v) => x.ints![v]) : undefined;
    return { dtype: x.dtype, shape: [...x.shape.slice(0, axis), ...i.shape, ...x.shape.slice(axis + 1)], ...(ints ? { ints } : {}) };
  },
  Reshape: (ctx, node, [x, z]) => {
    if (!x) fail(ctx, node, 'needs an input');
    const shape = known(ctx, node, z, 'shape');
    const free = shape.filter((v) => v === -1).length;
    if (shape.some((v) => !isInt(v) || v < -1) || free > 1) fail(ctx, node, `shape [${shape}] must hold sizes >= 0 and at most one -1`);
    const n = elementCount(x.shape);
    const rest = shape.reduce((p, v) => (v === -1 ? p : p * v), 1);
    if (n !== undefined && (free ? rest === 0 || n % rest !== 0 : n !== rest)) fail(ctx, node, `shape [${shape}] does not hold the ${n} values of [${x.shape}]`);
    const out = shape.map((v) => (v === -1 && n !== undefined ? n / rest : v));
    return { dtype: x.dtype, shape: out, ...(x.ints && n !== undefined ? { ints: x.ints } : {}) };
  },
  ArgMax: (ctx, node, [x, a]) => {
    if (!x) fail(ctx, node, 'needs an input');
    const axis = axisOf(ctx, node, scalar(ctx, node, a, 'axis'), x.shape.length, 'axis');
    return { dtype: 'int32', shape: x.shape.filter((_, j) => j !== axis) };
  },
  RealDiv: binary,
  Minimum: binary,
  Add: binary,
  Sub: binary,
  Mul: binary,
  Maximum: binary,
  BiasAdd: (ctx, node, [x, b]) => {
    const s = rank4(ctx, node, x);
    if (!b || b.shape.length !== 1 || b.shape[0] !== s[3]) fail(ctx, node, `the bias [${b?.shape}] is not [${s[3]}]`);
    return { dtype: 'float32', shape: [...s] };
  },
  FusedBatchNormV3: (ctx, node, [x, ...p]) => {
    const s = rank4(ctx, node, x);
    if (p.length !== 4 || p.some((v) => v.shape.length !== 1 || v.shape[0] !== s[3])) fail(ctx, node, `scale, offset, mean and variance must each be [${s[3]}]`);
    return { dtype: 'float32', shape: [...s] };
  },
  Conv2D: conv,
  _FusedConv2D: conv,
  DepthwiseConv2dNative: conv,
  MaxPool: (ctx, node, [x]) => {
    const [n, h, w, c] = rank4(ctx, node, x);
    const k = window(ctx, node, 'ksize', Math.max(h, w));
    const s = window(ctx, node, 'strides', Math.max(h, w));
    const [oh, ow] = windowOutput(ctx, node, [h, w], k, s, [1, 1]);
    return { dtype: 'float32', shape: [n, oh, ow, c] };
  },
  PadV2: (ctx, node, [x, p, v]) => {
    const s = x?.shape ?? fail(ctx, node, 'needs an input');
    const pads = known(ctx, node, p, 'paddings', s.length * 2);
    if (v && (v.shape.length !== 0 || v.dtype !== x.dtype)) fail(ctx, node, `the pad value must be a ${x.dtype} scalar`);
    // an activation's batch is padded only by the one spare crop a crop-keypoints graph puts in front
    // (ir/graph.ts EmptyBatch, put there by the TF.js lowering), never behind
    const batch = s.length === 4 && x.dtype === 'float32';
    const out = s.map((d, i) => {
      const [a, b] = [pads[2 * i], pads[2 * i + 1]];
      // a pad wider than the dimension it pads is never a conversion's (the widest is a window's half);
      // a dimension known only when run (the image's height and width) is bounded by the largest input side
      const lim = batch && i === 0 ? 0 : d === -1 ? ctx.side : d;
      const limA = batch && i === 0 ? 1 : lim;
      if (!isInt(a) || !isInt(b) || a < 0 || b < 0 || a > limA || b > lim)
        fail(ctx, node, `paddings [${a}, ${b}] of dimension ${i} (size ${d}) must be within 0..${limA} before and 0..${lim} after`, { paddings: pads });
      return d === -1 ? -1 : d + a + b;
    });
    return { dtype: x.dtype, shape: out };
  },
  Mean: reduce,
  Max: reduce,
  Sum: reduce,
  Transpose: (ctx, node, [x, p]) => {
    const s = x?.shape ?? fail(ctx, node, 'needs an input');
    const perm = known(ctx, node, p, 'perm', s.length);
    if ([...perm].sort((a, b) => a - b).some((v, i) => v !== i)) fail(ctx, node, `perm [${perm}] is not a permutation of 0..${s.length - 1}`);
    return { dtype: x.dtype, shape: perm.map((i) => s[i]) };
  },
  DepthToSpace: (ctx, node, [x]) => {
    const [n, h, w, c] = rank4(ctx, node, x);
    const b = attrInt(node.attr?.block_size);
    if (b === undefined || !isInt(b) || b < 2 || b > 16 || c % (b * b) !== 0) fail(ctx, node, `block_size ${b} must be in 2..16 and divide the ${c} channels by its square`);
    return { dtype: 'float32', shape: [n, h * b, w * b, c / (b * b)] };
  },
  ResizeBilinear: resize,
  ResizeNearestNeighbor: resize,
  ConcatV2: (ctx, node, ins) => {
    const n = attrInt(node.attr?.N) ?? ins.length - 1;
    if (n !== ins.length - 1 || n < 1) fail(ctx, node, `N ${n} for ${ins.length - 1} operands`);
    const xs = ins.slice(0, -1);
    const rank = xs[0].shape.length;
    const axis = axisOf(ctx, node, known(ctx, node, ins[ins.length - 1], 'axis', 1)[0], rank, 'axis');
    const out = [...xs[0].shape];
    for (const v of xs.slice(1)) {
      if (v.shape.length !== rank || v.dtype !== xs[0].dtype || v.shape.some((d, i) => i !== axis && d !== out[i])) fail(ctx, node, `operands [${xs[0].shape}] and [${v.shape}] do not concatenate on axis ${axis}`);
      out[axis] = out[axis] === -1 || v.shape[axis] === -1 ? -1 : out[axis] + v.shape[axis];
    }
    const ints = xs.every((v) => v.ints) ? xs.flatMap((v) => v.ints!) : undefined;
    return { dtype: xs[0].dtype, shape: out, ...(ints ? { ints } : {}) };
  },
  Slice: (ctx, node, [x, b, z]) => {
    const s = x?.shape ?? fail(ctx, node, 'needs an input');
    const begin = known(ctx, node, b, 'begin', s.length);
    const size = known(ctx, node, z, 'size', s.length);
    const out = s.map((d, i) => {
      const lim = d === -1 ? Infinity : d;
      if (!isInt(begin[i]) || !isInt(size[i]) || begin[i] < 0 || begin[i] > lim || size[i] < -1 || (size[i] >= 0 && begin[i] + size[i] > lim))
        fail(ctx, node, `begin ${begin[i]} and size ${size[i]} of dimension ${i} (size ${d}) are out of bounds`, { begin, size });
      return size[i] === -1 ? (d === -1 ? -1 : d - begin[i]) : size[i];
    });
    const ints = x.ints && s.length === 1 ? x.ints.slice(begin[0], begin[0] + out[0]) : undefined;
    return { dtype: x.dtype, shape: out, ...(ints ? { ints } : {}) };
  },
  Shape: (ctx, node, [x]) => {
    const s = x?.shape ?? fail(ctx, node, 'needs an input');
    return { dtype: 'int32', shape: [s.length], ...(s.every((d) => d >= 0) ? { ints: [...s] } : {}) };
  },
  Conv2DBackpropInput: (ctx, node, [sz, f, x]) => {
    const [, h, w, c] = rank4(ctx, node, x);
    const sizes = known(ctx, node, sz, 'input_sizes', 4);
    if (!f || f.shape.length !== 4) fail(ctx, node, 'the filter must be a rank-4 constant');
    const [kh, kw, co, ci] = f.shape;
    if (ci !== c || sizes[3] !== co) fail(ctx, node, `the filter [${f.shape}] does not map ${c} channels to input_sizes [${sizes}]`);
    const [H, W] = [sizes[1], sizes[2]];
    if (!isInt(H) || !isInt(W) || H < 1 || W < 1 || H > SPATIAL_FACTOR * ctx.side || W > SPATIAL_FACTOR * ctx.side) fail(ctx, node, `input_sizes [${sizes}] is out of bounds`);
    const s = window(ctx, node, 'strides', Math.max(H, W));
    // the forward convolution of the output must give this input
    const [fh, fw] = windowOutput(ctx, node, [H, W], [kh, kw], s, [1, 1]);
    if (fh !== h || fw !== w) fail(ctx, node, `input_sizes [${sizes}] with these strides and paddings gives ${fh}x${fw}, the operand is ${h}x${w}`);
    return { dtype: 'float32', shape: [x.shape[0], H, W, co] };
  },
};

function reduce(ctx: Ctx, node: NodeDefJson, [x, a]: Val[]): Val {
  const s = x?.shape ?? fail(ctx, node, 'needs an input');
  const axes = known(ctx, node, a, 'axes').map((v) => axisOf(ctx, node, v, s.length, 'axis'));
  const keep = attrBool(node.attr?.keep_dims) ?? false;
  return { dtype: x.dtype, shape: keep ? s.map((d, i) => (axes.includes(i) ? 1 : d)) : s.filter((_, i) => !axes.includes(i)) };
}

function resize(ctx: Ctx, node: NodeDefJson, [x, z]: Val[]): Val {
  const [n, , , c] = rank4(ctx, node, x);
  const [oh, ow] = known(ctx, node, z, 'size', 2);
  const max = SPATIAL_FACTOR * ctx.side;
  if (!isInt(oh) || !isInt(ow) || oh < 1 || ow < 1 || oh > max || ow > max) fail(ctx, node, `size [${oh}, ${ow}] must be within 1..${max}`);
  return { dtype: 'float32', shape: [n, oh, ow, c] };
}

/** The Placeholder's dims ([-1, H, W, 3] for pose-port's graphs), or undefined. */
export function tfjsInputDims(nodes: readonly NodeDefJson[]): { name: string; dims: number[] } | undefined {
  const p = nodes.find((n) => n.op === 'Placeholder');
  const a = p?.attr?.shape;
  if (!p || !a || !('shape' in a)) return undefined;
  return { name: p.name, dims: (a.shape.dim ?? []).map((d) => Number(d.size)) };
}

/** The most Placeholders a graph may have (a keypoint graph has two, a crop-keypoints graph three). */
const MAX_INPUTS = 4;

/**
 * Every Placeholder as a value: rank 1..4, float32 or int32, each dimension -1 (known when
 * run) or 1..MAX_INPUT_SIDE. A single input is further held to the heatmap graph's rule.
 */
function placeholders(nodes: readonly NodeDefJson[], file: string): Map<string, Val> {
  const out = new Map<string, Val>();
  for (const p of nodes) {
    if (p.op !== 'Placeholder') continue;
    const a = p.attr?.shape;
    const dims = a && 'shape' in a ? (a.shape.dim ?? []).map((x) => Number(x.size)) : undefined;
    const dtype = attrDtype(p.attr?.dtype);
    if (!dims || dims.length < 1 || dims.length > 4 || !dims.every((x) => x === -1 || (isInt(x) && x >= 1 && x <= MAX_INPUT_SIDE)) || (dtype !== 'float32' && dtype !== 'int32'))
      throw new PosePortError('MODEL_FORMAT', `input '${p.name}' must be float32 or int32 of rank 1..4, each dimension -1 or 1..${MAX_INPUT_SIDE}, found [${dims}] ${dtype ?? 'of another dtype'}`, { file, key: p.name });
    out.set(p.name, { dtype, shape: dims });
  }
  if (out.size > MAX_INPUTS) throw new PosePortError('MODEL_FORMAT', `the graph has ${out.size} inputs, at most ${MAX_INPUTS}`, { file });
  return out;
}

/**
 * Checks the graph of `a` (read from `file`) before it runs: shapes inferred from the
 * Placeholder, every rule above applied. Returns the inferred shape of every node.
 */
export function checkTfjsGraph(a: TfjsModelArtifacts, file: string): Map<string, number[]> {
  const nodes = a.modelTopology.node;
  const ctx: Ctx = { file, side: MAX_INPUT_SIDE };
  if (nodes.filter((n) => n.op === 'Placeholder').length <= 1) {
    // a heatmap graph: one NHWC input of a fixed size, which bounds every activation
    const input = tfjsInputDims(nodes);
    const d = input?.dims;
    if (!input || !d || d.length !== 4 || !(d[0] === -1 || d[0] >= 1) || d[3] !== 3 || !(d[1] >= 1 && d[1] <= MAX_INPUT_SIDE && d[2] >= 1 && d[2] <= MAX_INPUT_SIDE))
      throw new PosePortError('MODEL_FORMAT', `the graph's input must be one Placeholder [N, H, W, 3] with 1 <= H, W <= ${MAX_INPUT_SIDE}, found ${input ? `'${input.name}' [${d}]` : 'none'}`, { file, key: input?.name });
    ctx.side = Math.max(d[1], d[2]);
  }
  const inputs = placeholders(nodes, file);

  // the constants: shapes from the manifest, int32 values from the weight bytes
  const consts = new Map<string, Val>();
  const data = new Uint8Array(a.weightData);
  let at = 0;
  for (const spec of a.weightSpecs) {
    const n = specBytes(spec);
    if (spec.dtype === 'int32') {
      if (spec.quantization) throw new PosePortError('MODEL_FORMAT', `int32 weight '${spec.name}' is quantized`, { file, key: spec.name });
      const view = new DataView(data.buffer, data.byteOffset + at, n);
      consts.set(spec.name, { dtype: 'int32', shape: [...spec.shape], ints: Array.from({ length: n / 4 }, (_, i) => view.getInt32(4 * i, true)) });
    } else consts.set(spec.name, { dtype: 'float32', shape: [...spec.shape] });
    at += n;
  }

  const byName = new Map(nodes.map((n) => [n.name, n]));
  const vals = new Map<string, Val>();
  const base = (name: string) => name.replace(/:0$/, '');
  const operands = (node: NodeDefJson) => (node.input ?? []).filter((i) => !i.startsWith('^')).map(base);
  const evaluate = (node: NodeDefJson): Val => {
    if (node.op === 'Placeholder') return inputs.get(node.name)!;
    if (node.op === 'Const') return consts.get(node.name) ?? fail(ctx, node, 'has no weight in the manifest');
    const rule = Object.hasOwn(RULES, node.op) ? RULES[node.op] : undefined;
    if (!rule) fail(ctx, node, `op '${node.op}' has no rule in pose-port's graph check (only the ops pose-port writes are run)`);
    return bounded(ctx, node, rule(ctx, node, operands(node).map((i) => vals.get(i)!)));
  };
  // depth-first with an explicit stack (a hostile graph may be deep or list its nodes in any order)
  const visiting = new Set<string>();
  for (const root of nodes) {
    const stack = [root.name];
    while (stack.length) {
      const name = stack[stack.length - 1];
      if (vals.has(name)) {
        stack.pop();
        continue;
      }
      const node = byName.get(name)!;
      const pending = operands(node).filter((i) => !vals.has(i));
      if (pending.length === 0) {
        vals.set(name, evaluate(node));
        visiting.delete(name);
        stack.pop();
        continue;
      }
      if (visiting.has(name)) fail(ctx, node, 'the graph has a cycle through this node');
      visiting.add(name);
      for (const dep of pending) {
        if (!byName.has(dep)) fail(ctx, node, `operand '${dep}' names no node`);
        if (visiting.has(dep)) fail(ctx, byName.get(dep)!, 'the graph has a cycle through this node');
        stack.push(dep);
      }
    }
  }
  return new Map([...vals].map(([k, v]) => [k, v.shape]));
}
