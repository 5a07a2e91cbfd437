import type { Graph } from '../ir/graph.js';
import type { BinaryAttrs, CompareAttrs, DType, UnaryAttrs, Value } from '../ir/types.js';

/**
 * Terse construction of the keypoint graphs' tensor arithmetic on a Graph: one method
 * per IR op, constants from plain numbers, node names under the stage's `scope`
 * (e.g. 'crop/x0'), so an artifact's nodes say which stage they belong to.
 */
export class Ops {
  constructor(
    readonly graph: Graph,
    readonly scope: string,
  ) {}

  /** the same graph, nodes named under `scope` */
  in(scope: string): Ops {
    return new Ops(this.graph, scope);
  }

  private name(what: string): { name: string } {
    return { name: `${this.scope}/${what}` };
  }

  /** a constant of `shape` from row-major `values` (exact small integers for int64/uint8/bool) */
  constant(what: string, shape: readonly number[], values: ArrayLike<number>, dtype: DType = 'float32'): Value {
    return this.graph.addComputedConstant(`${this.scope}/${what}`, shape, Float32Array.from(values), [], dtype);
  }

  scalar(what: string, v: number, dtype: DType = 'float32'): Value {
    return this.constant(what, [], [v], dtype);
  }

  private binary(fn: BinaryAttrs['fn'], a: Value, b: Value, what: string): Value {
    return this.graph.add('binary', [a, b], { fn }, this.name(what || fn));
  }
  add(a: Value, b: Value, what = ''): Value {
    return this.binary('add', a, b, what);
  }
  sub(a: Value, b: Value, what = ''): Value {
    return this.binary('sub', a, b, what);
  }
  mul(a: Value, b: Value, what = ''): Value {
    return this.binary('mul', a, b, what);
  }
  div(a: Value, b: Value, what = ''): Value {
    return this.binary('div', a, b, what);
  }
  max(a: Value, b: Value, what = ''): Value {
    return this.binary('max', a, b, what);
  }
  min(a: Value, b: Value, what = ''): Value {
    return this.binary('min', a, b, what);
  }
  and(a: Value, b: Value, what = ''): Value {
    return this.binary('and', a, b, what);
  }

  compare(fn: CompareAttrs['fn'], a: Value, b: Value, what = ''): Value {
    return this.graph.add('compare', [a, b], { fn }, this.name(what || fn));
  }
  unary(fn: UnaryAttrs['fn'], x: Value, what = ''): Value {
    return this.graph.add('unary', [x], { fn }, this.name(what || fn));
  }
  /**
   * Round half to even (cvRound) of float32 `x` (|x| < 2^23) without the Round op, which
   * onnxruntime-web's WebGPU EP lacks: `r = floor(x)`, `f = x − r` (exact), plus 1 where
   * `f > 0.5`, or `f = 0.5` and r is odd. (Floor(x + 0.5) is not equal: it rounds ties up,
   * and x + 0.5 itself rounds, e.g. 0.49999997 + 0.5 = 1.)
   */
  roundHalfEven(x: Value, what: string): Value {
    const o = this.in(`${this.scope}/${what}`);
    const r = o.unary('floor', x, 'floor');
    const f = o.sub(x, r, 'fraction');
    const half = o.scalar('half', 0.5);
    const odd = o.sub(r, o.mul(o.unary('floor', o.mul(r, half), 'half_floor'), o.scalar('two', 2)), 'odd');
    const tie = o.where(o.compare('equal', f, half, 'is_tie'), odd, o.scalar('zero', 0), 'tie_up');
    return this.add(r, o.where(o.compare('greater', f, half, 'above_half'), o.scalar('one', 1), tie, 'up'), what);
  }
  /** `k·sign(x)` of float32 `x` (0 at 0 and NaN) by comparisons, without the Sign op (absent from onnxruntime-web's WebGPU EP) */
  scaledSign(x: Value, k: number, what: string): Value {
    const o = this.in(`${this.scope}/${what}`);
    const zero = o.scalar('zero', 0);
    const negative = o.where(o.compare('less', x, zero, 'negative'), o.scalar('minus_k', -k), zero, 'if_negative');
    return this.where(o.compare('greater', x, zero, 'positive'), o.scalar('k', k), negative, what);
  }
  where(cond: Value, a: Value, b: Value, what = 'where'): Value {
    return this.graph.add('where', [cond, a, b], {}, this.name(what));
  }
  cast(x: Value, to: DType, what = `to_${to}`): Value {
    return this.graph.add('cast', [x], { to }, this.name(what));
  }
  gather(x: Value, indices: Value, axis: number, what = 'gather'): Value {
    return this.graph.add('gather', [x, indices], { axis }, this.name(what));
  }
  reduce(fn: 'max' | 'sum', x: Value, axes: readonly number[], keepdims: boolean, what = `reduce_${fn}`): Value {
    return this.graph.add('reduce', [x], { fn, axes, keepdims }, this.name(what));
  }
  pad(x: Value, pads: readonly number[], value: number, what = 'pad'): Value {
    return this.graph.add('pad', [x], { pads, value }, this.name(what));
  }
  transpose(x: Value, perm: readonly number[], what = 'transpose'): Value {
    return this.graph.add('transpose', [x], { perm }, this.name(what));
  }
  reshape(x: Value, shape: readonly number[], what = 'reshape'): Value {
    return this.graph.add('reshape', [x], { shape }, this.name(what));
  }
  slice(x: Value, axis: number, start: number, end: number, what = 'slice'): Value {
    return this.graph.add('slice', [x], { axis, start, end }, this.name(what));
  }
  concat(xs: Value[], axis: number, what = 'concat'): Value {
    return this.graph.add('concat', xs, { axis }, this.name(what));
  }
}
