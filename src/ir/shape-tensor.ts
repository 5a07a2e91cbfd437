import { assertNever } from '../core/assert.js';
import { shapeString } from '../core/tensor.js';
import { padDim } from './dim.js';
import type { AttrsOf, Dim, Value } from './types.js';

/**
 * Shape inference of the tensor ops the keypoint graphs use (any rank, numpy
 * broadcasting). Called by ./shape.ts, which owns the error format: `fail` throws.
 */

export type TensorOp = 'binary' | 'compare' | 'unary' | 'where' | 'cast' | 'gather' | 'shape' | 'argmax' | 'reduce' | 'pad' | 'transpose';

const TENSOR_OPS: ReadonlySet<string> = new Set<TensorOp>(['binary', 'compare', 'unary', 'where', 'cast', 'gather', 'shape', 'argmax', 'reduce', 'pad', 'transpose']);

export function isTensorOp(op: string): op is TensorOp {
  return TENSOR_OPS.has(op);
}

/** numpy broadcasting: right-aligned, equal dims or 1. */
export function broadcastShapes(shapes: readonly (readonly Dim[])[], fail: (what: string) => never): Dim[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let d: Dim = 1;
    for (const s of shapes) {
      const e = s[s.length - rank + i] ?? 1;
      if (e === 1 || e === d) continue;
      if (d === 1) d = e;
      else fail(`shapes ${shapes.map((x) => shapeString(x)).join(' and ')} do not broadcast at axis ${i}`);
    }
    out.push(d);
  }
  return out;
}

function checkAxis(axis: number, rank: number, fail: (what: string) => never): void {
  if (!Number.isInteger(axis) || axis < 0 || axis >= rank) fail(`axis ${axis} is out of range for rank ${rank}`);
}

export function inferTensorShape<O extends TensorOp>(op: O, inputs: readonly Value[], attrs: AttrsOf<O>, fail: (what: string) => never): Dim[] {
  const arity = (n: number) => {
    if (inputs.length !== n) fail(`expected ${n} inputs, got ${inputs.length}`);
  };
  const a = attrs as AttrsOf<TensorOp>;
  switch (op) {
    case 'binary':
    case 'compare':
      arity(2);
      return broadcastShapes([inputs[0].shape, inputs[1].shape], fail);
    case 'where':
      arity(3);
      return broadcastShapes(inputs.map((v) => v.shape), fail);
    case 'unary':
    case 'cast':
      arity(1);
      return [...inputs[0].shape];
    case 'gather': {
      arity(2);
      const { axis } = a as AttrsOf<'gather'>;
      const [data, idx] = inputs;
      checkAxis(axis, data.shape.length, fail);
      return [...data.shape.slice(0, axis), ...idx.shape, ...data.shape.slice(axis + 1)];
    }
    case 'shape':
      arity(1);
      return [inputs[0].shape.length];
    case 'argmax': {
      arity(1);
      const { axis } = a as AttrsOf<'argmax'>;
      checkAxis(axis, inputs[0].shape.length, fail);
      return inputs[0].shape.filter((_, i) => i !== axis);
    }
    case 'reduce': {
      arity(1);
      const { axes, keepdims } = a as AttrsOf<'reduce'>;
      const x = inputs[0];
      if (axes.length === 0 || new Set(axes).size !== axes.length) fail(`axes [${axes.join(', ')}] must be distinct and non-empty`);
      for (const ax of axes) checkAxis(ax, x.shape.length, fail);
      return keepdims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
    }
    case 'pad': {
      arity(1);
      const { pads, value } = a as AttrsOf<'pad'>;
      const x = inputs[0];
      const r = x.shape.length;
      if (pads.length !== 2 * r || !pads.every((p) => Number.isInteger(p) && p >= 0))
        fail(`pads [${pads.join(', ')}] must be ${2 * r} non-negative integers for rank ${r}`);
      if (!Number.isFinite(value) && x.dtype !== 'float32') fail(`pad value ${value} for a ${x.dtype} tensor`);
      return x.shape.map((d, i) => padDim(d, pads[i] + pads[r + i]));
    }
    case 'transpose': {
      arity(1);
      const { perm } = a as AttrsOf<'transpose'>;
      const x = inputs[0];
      if (perm.length !== x.shape.length || [...perm].sort((p, q) => p - q).some((p, i) => p !== i))
        fail(`perm [${perm.join(', ')}] is not a permutation of ${x.shape.length} axes`);
      return perm.map((p) => x.shape[p]);
    }
    default:
      return assertNever(op as never);
  }
}
