import { PosePortError } from '../core/errors.js';
import { assertNever } from '../core/assert.js';
import { shapeString } from '../core/tensor.js';
import { asMultiple, dropDim, multipleDim, sumDims } from './dim.js';
import { inferDtype } from './dtype.js';
import { inferTensorShape, isTensorOp } from './shape-tensor.js';
import type { AttrsOf, DType, Dim, Op, Value } from './types.js';

/** Output shape and element type of an op (see inferShape, inferDtype). */
export function inferOutput<O extends Op>(
  op: O,
  inputs: readonly Value[],
  attrs: AttrsOf<O>,
  where: { node: string; origin?: string },
): { shape: Dim[]; dtype: DType } {
  const shape = inferShape(op, inputs, attrs, where);
  const dtype = inferDtype(op, inputs, attrs, failer(op, inputs, where));
  return { shape, dtype };
}

function failer(op: string, inputs: readonly Value[], where: { node: string; origin?: string }): (what: string) => never {
  return (what: string): never => {
    throw new PosePortError(
      'SHAPE_MISMATCH',
      `${op} '${where.node}'${where.origin ? ` (from '${where.origin}')` : ''}: ${what}`,
      { key: where.origin, details: { node: where.node, inputs: inputs.map((v) => [v.name, [...v.shape]]) } },
    );
  };
}

/**
 * Output shape of an op from its operand shapes. Throws SHAPE_MISMATCH naming the
 * node and, where known, the checkpoint key it was built from.
 */
export function inferShape<O extends Op>(
  op: O,
  inputs: readonly Value[],
  attrs: AttrsOf<O>,
  where: { node: string; origin?: string },
): Dim[] {
  const fail = failer(op, inputs, where);
  if (isTensorOp(op)) return inferTensorShape(op, inputs, attrs as AttrsOf<typeof op>, fail);
  const arity = (min: number, max = min) => {
    if (inputs.length < min || inputs.length > max) fail(`expected ${min}${max !== min ? `..${max}` : ''} inputs, got ${inputs.length}`);
  };
  const rank4 = (v: Value, what: string) => {
    if (v.shape.length !== 4) fail(`${what} '${v.name}' must be rank 4, got ${shapeString(v.shape)}`);
  };
  const staticDim = (d: Dim, what: string): number => {
    if (typeof d !== 'number') fail(`${what} must be static`);
    return d as number;
  };
  const spatial = (size: number, k: number, s: number, p0: number, p1: number, d = 1): number => {
    const out = Math.floor((size + p0 + p1 - d * (k - 1) - 1) / s) + 1;
    if (out < 1) fail(`spatial size ${size} too small for kernel ${k}, stride ${s}`);
    return out;
  };

  const a = attrs as AttrsOf<Op>;
  switch (op) {
    case 'conv': {
      arity(2, 3);
      const [x, w, b] = inputs;
      rank4(x, 'input');
      rank4(w, 'weight');
      const at = a as AttrsOf<'conv'>;
      const [n, c, h, wd] = x.shape;
      const [oc, icg, kh, kw] = w.shape.map((d) => staticDim(d, 'weight dim'));
      if (oc % at.group !== 0) fail(`${oc} output channels are not divisible by group ${at.group}`);
      if (staticDim(c, 'channels') !== icg * at.group)
        fail(`input has ${c} channels, weight ${shapeString(w.shape)} expects ${icg * at.group}`);
      if (b && (b.shape.length !== 1 || b.shape[0] !== oc)) fail(`bias ${shapeString(b.shape)} does not match ${oc} output channels`);
      return [
        n,
        oc,
        spatial(staticDim(h, 'height'), kh, at.strides[0], at.pads[0], at.pads[2], at.dilations[0]),
        spatial(staticDim(wd, 'width'), kw, at.strides[1], at.pads[1], at.pads[3], at.dilations[1]),
      ];
    }
    case 'conv_transpose': {
      arity(2, 3);
      const [x, w, b] = inputs;
      rank4(x, 'input');
      rank4(w, 'weight');
      const at = a as AttrsOf<'conv_transpose'>;
      const [n, c, h, wd] = x.shape;
      const [ic, ocg, kh, kw] = w.shape.map((d) => staticDim(d, 'weight dim'));
      if (staticDim(c, 'channels') !== ic) fail(`input has ${c} channels, weight ${shapeString(w.shape)} expects ${ic}`);
      if (ic % at.group !== 0) fail(`${ic} input channels are not divisible by group ${at.group}`);
      const oc = ocg * at.group;
      if (b && (b.shape.length !== 1 || b.shape[0] !== oc)) fail(`bias ${shapeString(b.shape)} does not match ${oc} output channels`);
      const out = (size: number, k: number, s: number, p0: number, p1: number, op: number) =>
        (size - 1) * s - p0 - p1 + k + op;
      return [
        n,
        oc,
        out(staticDim(h, 'height'), kh, at.strides[0], at.pads[0], at.pads[2], at.outputPadding[0]),
        out(staticDim(wd, 'width'), kw, at.strides[1], at.pads[1], at.pads[3], at.outputPadding[1]),
      ];
    }
    case 'batch_norm': {
      arity(5);
      const [x, ...params] = inputs;
      rank4(x, 'input');
      for (const p of params)
        if (p.shape.length !== 1 || p.shape[0] !== x.shape[1])
          fail(`parameter '${p.name}' ${shapeString(p.shape)} does not match ${x.shape[1]} channels`);
      return [...x.shape];
    }
    case 'relu':
      arity(1);
      return [...inputs[0].shape];
    case 'add': {
      arity(2);
      const [x, y] = inputs;
      if (shapeString(x.shape) !== shapeString(y.shape)) fail(`operands differ: ${shapeString(x.shape)} vs ${shapeString(y.shape)}`);
      return [...x.shape];
    }
    case 'max_pool': {
      arity(1);
      const [x] = inputs;
      rank4(x, 'input');
      const at = a as AttrsOf<'max_pool'>;
      const [n, c, h, w] = x.shape;
      return [
        n,
        c,
        spatial(staticDim(h, 'height'), at.kernel[0], at.strides[0], at.pads[0], at.pads[2]),
        spatial(staticDim(w, 'width'), at.kernel[1], at.strides[1], at.pads[1], at.pads[3]),
      ];
    }
    case 'resize': {
      arity(1);
      const [x] = inputs;
      rank4(x, 'input');
      const at = a as AttrsOf<'resize'>;
      const [n, c, h, w] = x.shape;
      if (at.mode === 'nearest') return [n, c, staticDim(h, 'height') * at.scale[0], staticDim(w, 'width') * at.scale[1]];
      return [n, c, at.size[0], at.size[1]];
    }
    case 'concat': {
      if (inputs.length < 1) fail('needs at least one input');
      const at = a as AttrsOf<'concat'>;
      const first = inputs[0].shape;
      if (!(Number.isInteger(at.axis) && at.axis >= 0 && at.axis < first.length)) fail(`axis ${at.axis} is out of range for rank ${first.length}`);
      for (const v of inputs) {
        if (v.shape.length !== first.length) fail(`rank differs for '${v.name}'`);
        v.shape.forEach((d, i) => {
          if (i !== at.axis && d !== first[i]) fail(`'${v.name}' ${shapeString(v.shape)} differs from ${shapeString(first)} off axis ${at.axis}`);
        });
      }
      const total = sumDims(inputs.map((v) => v.shape[at.axis]));
      if (total === null) fail(`cannot add the sizes ${inputs.map((v) => v.shape[at.axis]).join(', ')} along axis ${at.axis}`);
      const out = [...first];
      out[at.axis] = total as Dim;
      return out;
    }
    case 'slice': {
      arity(1);
      const at = a as AttrsOf<'slice'>;
      const x = inputs[0];
      const dim = x.shape[at.axis];
      if (at.end === Infinity && typeof dim === 'string') {
        if (!(Number.isInteger(at.start) && at.start >= 0)) fail(`slice start ${at.start} of the symbolic axis ${dim}`);
        const out = [...x.shape];
        out[at.axis] = dropDim(dim, at.start);
        return out;
      }
      const size = staticDim(dim, 'slice axis');
      if (at.end === Infinity) return x.shape.map((d, i) => (i === at.axis ? size - at.start : d));
      if (!(at.start >= 0 && at.start < at.end && at.end <= size)) fail(`slice [${at.start}, ${at.end}) out of range for size ${size}`);
      const out = [...x.shape];
      out[at.axis] = at.end - at.start;
      return out;
    }
    case 'global_avg_pool': {
      arity(1);
      rank4(inputs[0], 'input');
      const [n, c] = inputs[0].shape;
      return [n, c, 1, 1];
    }
    case 'sigmoid':
      arity(1);
      return [...inputs[0].shape];
    case 'mul': {
      arity(2);
      const [x, y] = inputs;
      if (x.shape.length !== y.shape.length) fail(`ranks differ: ${shapeString(x.shape)} vs ${shapeString(y.shape)}`);
      return x.shape.map((d, i) => {
        const e = y.shape[i];
        if (d === e || e === 1) return d;
        if (d === 1) return e;
        return fail(`dims ${i} do not broadcast: ${shapeString(x.shape)} vs ${shapeString(y.shape)}`);
      });
    }
    case 'reshape': {
      arity(1);
      const at = a as AttrsOf<'reshape'>;
      const x = inputs[0];
      const bad = () => fail(`cannot reshape ${shapeString(x.shape)} to ${shapeString(at.shape)}`);
      const free = at.shape.filter((d) => d === -1).length;
      if (free > 1 || !at.shape.every((d) => Number.isInteger(d) && (d > 0 || d === -1))) bad();
      const to = at.shape.reduce((m, d) => (d === -1 ? m : m * d), 1);
      const from = x.shape.reduce<number>((m, d) => (typeof d === 'number' ? m * d : m), 1);
      const symbols = x.shape.filter((d): d is string => typeof d === 'string');
      if (free === 0) {
        if (symbols.length > 0 || from !== to) bad();
        return [...at.shape];
      }
      let rest: Dim;
      if (symbols.length === 0) {
        if (from % to !== 0) bad();
        rest = from / to;
      } else if (symbols.length === 1) {
        // one symbolic dim k*S regrouped: the free dim is (k*from/to)*S
        const m = asMultiple(symbols[0]);
        if ((m.k * from) % to !== 0) bad();
        rest = multipleDim((m.k * from) / to, m.base);
      } else rest = `${where.node}:rest`;
      return at.shape.map((d) => (d === -1 ? rest : d));
    }
    default:
      return assertNever(op as never);
  }
}
