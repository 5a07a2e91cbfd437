import { constantData } from '../../../ir/constant.js';
import { PosePortError } from '../../../core/errors.js';
import { shapeString } from '../../../core/tensor.js';
import { nchwToNhwc } from '../../../core/layout.js';
import type { Graph } from '../../../ir/graph.js';
import type { DType, Dim, Node, Value } from '../../../ir/types.js';
import { attr, sanitizeNodeName, type AttrValueJson, type NodeDefJson, type TfDType } from '../graphdef.js';

/**
 * The state one lowering shares across op kinds: the TF nodes and constants emitted so
 * far, the TF tensor computing each IR value, unique node names, and ReLUs fused into
 * the node before them. Each op's lowering (./ops.ts) reads its operands with
 * `input`, emits nodes with `emit`, constants with `int32`/`weight`/`vector`, and
 * records its result with `define`.
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

export interface LowerOptions {
  outputLayout: 'NHWC' | 'NCHW';
  /** rank-4 float32 inputs as NHWC placeholders (default), or every input as the IR declares it */
  inputLayout?: 'NHWC' | 'as-declared';
}

/**
 * How the TF tensor of an IR value is laid out: 'nhwc' is the NHWC permutation of a
 * rank-4 NCHW value (the network's activations); 'plain' is the IR's own order (the
 * tensor ops of the keypoint graphs, and every value of another rank).
 */
export type TfLayout = 'nhwc' | 'plain';

/** The TF element type holding each IR type: TF.js has no 64-bit or 8-bit integers (int32 holds indices and bytes). */
export const TF_DTYPE: Readonly<Record<DType, TfDType>> = { float32: 'DT_FLOAT', int32: 'DT_INT32', int64: 'DT_INT32', uint8: 'DT_INT32', bool: 'DT_BOOL' };

/** NCHW axis -> NHWC axis */
export const NHWC_AXIS = [0, 3, 1, 2] as const;

/** the `T: float` attribute most TF ops carry */
export const FLOAT_T = { T: attr.type('DT_FLOAT') } as const;

/** EMIT_UNSUPPORTED naming the node (and the checkpoint key it came from) */
export function fail(node: Node, what: string): never {
  throw new PosePortError('EMIT_UNSUPPORTED', `${node.op} '${node.name}'${node.origin ? ` (from '${node.origin}')` : ''}: ${what} in TF.js`, {
    key: node.origin ?? node.name,
    details: { node: node.name, op: node.op },
  });
}

export function staticDim(d: Dim, what: () => string): number {
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
  let data: Float32Array;
  if (v.constant) data = constantData(v);
  else if (v.producer?.op === 'reshape') data = constData(v.producer.inputs[0]);
  else throw new PosePortError('GRAPH_INVALID', `'${v.name}' is not a constant`);
  const numel = v.shape.reduce<number>((a, d) => a * (d as number), 1);
  if (data.length !== numel)
    throw new PosePortError('EMIT_FORMAT', `constant '${v.name}' holds ${data.length} elements, shape ${shapeString(v.shape)} needs ${numel}`, { key: v.name });
  return data;
}

export class LowerContext {
  readonly nodes: NodeDefJson[] = [];
  readonly consts: TfConst[] = [];
  /** nodes already lowered as part of another (a ReLU fused into its conv) */
  readonly fused = new Set<Node>();
  private readonly taken = new Set<string>();
  /** graph outputs keep their names (NHWC) on the node computing them */
  readonly outputName = new Map<Value, string>();
  private readonly tensor = new Map<Value, string>();
  private readonly layout = new Map<Value, TfLayout>();
  /** the other layout of a rank-4 value, transposed once */
  private readonly transposed = new Map<Value, string>();
  /** an IR weight, transformed; the same (value, layout) is emitted once */
  private readonly weightCache = new Map<string, string>();

  constructor(
    readonly graph: Graph,
    readonly opts: LowerOptions,
  ) {
    for (const v of graph.outputs) {
      const n = sanitizeNodeName(v.name);
      if (this.taken.has(n)) throw new PosePortError('GRAPH_INVALID', `two graph outputs map to the TF.js name '${n}'`);
      this.taken.add(n);
      this.outputName.set(v, n);
    }
  }

  /** a node name not used yet, from `base` */
  fresh(base: string): string {
    const b = sanitizeNodeName(base);
    let name = b;
    for (let i = 1; this.taken.has(name); i++) name = `${b}_${i}`;
    this.taken.add(name);
    return name;
  }

  /** the name of the node computing `v`: the output's own name when `v` is an NHWC graph output */
  nameFor(v: Value, base: string): string {
    const n = this.outputName.get(v);
    return n !== undefined && this.opts.outputLayout === 'NHWC' && !this.graph.inputs.includes(v) ? n : this.fresh(base);
  }

  /**
   * the TF tensor holding operand `v` of the network op `user`, NHWC when rank 4 (a
   * constant operand is stored NHWC like the activations; a plain value is transposed)
   */
  input(v: Value, user: Node): string {
    const t = this.tensor.get(v);
    if (t !== undefined) return this.layout.get(v) === 'plain' && v.shape.length === 4 ? this.transpose(v, t, [0, 2, 3, 1], 'nhwc') : t;
    if (isConstLike(v)) {
      if (v.shape.length !== 4) fail(user, `constant operand '${v.name}' ${shapeString(v.shape)} is not rank 4`);
      const [N, C, H, W] = v.shape as number[];
      return this.weight(v, 'nhwc', [N, H, W, C], (d) => nchwToNhwc(d, [N, C, H, W]));
    }
    throw new PosePortError('GRAPH_INVALID', `'${user.name}' reads '${v.name}' before it is computed`);
  }

  /** the TF tensor holding `v` in the IR's own order (transposed from NHWC, or a constant as it is) */
  plain(v: Value, user: Node): string {
    const t = this.tensor.get(v);
    if (t !== undefined) return this.layout.get(v) === 'nhwc' ? this.transpose(v, t, [0, 3, 1, 2], 'nchw') : t;
    if (v.constant) {
      const dtype = TF_DTYPE[v.dtype];
      if (dtype === 'DT_BOOL') fail(user, `bool constant '${v.name}'`);
      const shape = v.shape as number[];
      return this.plainConst.get(v) ?? this.cachePlain(v, this.addConst(v.name, dtype === 'DT_FLOAT' ? 'float32' : 'int32', shape, () => (dtype === 'DT_FLOAT' ? constData(v) : Int32Array.from(constData(v))), false));
    }
    throw new PosePortError('GRAPH_INVALID', `'${user.name}' reads '${v.name}' before it is computed`);
  }

  private readonly plainConst = new Map<Value, string>();
  private cachePlain(v: Value, t: string): string {
    this.plainConst.set(v, t);
    return t;
  }

  private transpose(v: Value, t: string, perm: number[], what: string): string {
    let out = this.transposed.get(v);
    if (out === undefined) {
      out = this.emit(this.fresh(`${t}/${what}`), 'Transpose', [t, this.int32(`${t}/${what}_perm`, perm)], { T: attr.type(TF_DTYPE[v.dtype]), Tperm: attr.type('DT_INT32') });
      this.transposed.set(v, out);
    }
    return out;
  }

  /** the TF tensor computed for `v`, if any, and its layout */
  computed(v: Value): string | undefined {
    return this.tensor.get(v);
  }
  layoutOf(v: Value): TfLayout | undefined {
    return this.tensor.has(v) ? (this.layout.get(v) ?? 'nhwc') : undefined;
  }

  /** records that TF tensor `t` holds IR value `v` (network ops: NHWC when rank 4) */
  define(v: Value, t: string, layout: TfLayout = v.shape.length === 4 ? 'nhwc' : 'plain'): void {
    this.tensor.set(v, t);
    this.layout.set(v, layout);
  }

  /** whether every computed operand of `node` is an NHWC network activation (constants adapt) */
  allNhwc(node: Node): boolean {
    return node.inputs.every((v) => (isConstLike(v) ? v.shape.length === 4 : this.layoutOf(v) === 'nhwc'));
  }

  emit(name: string, op: string, input: string[], a: Record<string, AttrValueJson> = {}): string {
    this.nodes.push({ name, op, input, attr: a });
    return name;
  }

  addConst(base: string, dtype: 'float32' | 'int32', shape: readonly number[], data: () => Float32Array | Int32Array, weight: boolean): string {
    const name = this.fresh(base);
    const tf: TfDType = dtype === 'float32' ? 'DT_FLOAT' : 'DT_INT32';
    this.emit(name, 'Const', [], { dtype: attr.type(tf), value: attr.tensor(tf, shape) });
    this.consts.push({ name, dtype, shape, data, weight });
    return name;
  }

  /** an int32 vector (or scalar) constant: shapes, axes, sizes */
  int32(base: string, values: readonly number[], scalar = false): string {
    return this.addConst(base, 'int32', scalar ? [] : [values.length], () => Int32Array.from(values), false);
  }

  /** IR weight `v` transformed by `make` into `shape`; emitted once per (value, layout) */
  weight(v: Value, layout: string, shape: readonly number[], make: (d: Float32Array) => Float32Array): string {
    const key = `${v.id}:${layout}`;
    let name = this.weightCache.get(key);
    if (name === undefined) {
      name = this.addConst(layout === 'plain' ? v.name : `${v.name}/${layout}`, 'float32', shape, () => make(constData(v)), true);
      this.weightCache.set(key, name);
    }
    return name;
  }

  /** a 1-D weight (bias, batch-norm parameters) as it is */
  vector(v: Value): string {
    return this.weight(v, 'plain', [v.shape[0] as number], (d) => d);
  }

  /** the single use of `v` if it is a ReLU and `v` is not an output (so the ReLU can be fused) */
  fusableRelu(v: Value): Node | undefined {
    if (v.uses.length !== 1 || this.outputName.has(v)) return undefined;
    const u = v.uses[0];
    return u.op === 'relu' ? u : undefined;
  }

  /** [H, W] of an NCHW value, which must be static */
  hw(node: Node, v: Value): [number, number] {
    return [staticDim(v.shape[2], () => `'${node.name}' height`), staticDim(v.shape[3], () => `'${node.name}' width`)];
  }

  /** a BiasAdd on `x` (NHWC) */
  biasAdd(name: string, x: string, bias: Value): string {
    return this.emit(name, 'BiasAdd', [x, this.vector(bias)], { ...FLOAT_T, data_format: attr.str('NHWC') });
  }
}
