import { assertNever } from '../core/assert.js';
import type { AttrsOf, DType, Op, Value } from './types.js';

/**
 * The element type of an op's output from its operands' types; `fail` throws (the
 * caller, ./shape.ts's inferShape, names the node). Network ops are float32 only.
 */
export function inferDtype<O extends Op>(op: O, inputs: readonly Value[], attrs: AttrsOf<O>, fail: (what: string) => never): DType {
  const want = (v: Value, ...ok: DType[]) => {
    if (!ok.includes(v.dtype)) fail(`operand '${v.name}' is ${v.dtype}, expected ${ok.join(' or ')}`);
  };
  const same = (vs: readonly Value[]) => {
    for (const v of vs) if (v.dtype !== vs[0].dtype) fail(`operands differ in type: '${vs[0].name}' ${vs[0].dtype}, '${v.name}' ${v.dtype}`);
    return vs[0].dtype;
  };
  const a = attrs as AttrsOf<Op>;
  switch (op) {
    case 'conv':
    case 'conv_transpose':
    case 'batch_norm':
    case 'relu':
    case 'add':
    case 'max_pool':
    case 'resize':
    case 'global_avg_pool':
    case 'sigmoid':
    case 'mul':
      for (const v of inputs) want(v, 'float32');
      return 'float32';
    case 'concat':
    case 'slice':
    case 'reshape':
    case 'pad':
    case 'transpose':
      return same(inputs);
    case 'binary': {
      const t = same(inputs);
      const fn = (a as AttrsOf<'binary'>).fn;
      if (fn === 'and') want(inputs[0], 'bool');
      else want(inputs[0], 'float32', 'int32', 'int64');
      return t;
    }
    case 'compare':
      want(inputs[0], 'float32', 'int32', 'int64');
      same(inputs);
      return 'bool';
    case 'unary': {
      const fn = (a as AttrsOf<'unary'>).fn;
      if (fn === 'not') want(inputs[0], 'bool');
      else if (fn === 'sign' || fn === 'neg') want(inputs[0], 'float32', 'int32', 'int64');
      else want(inputs[0], 'float32');
      return inputs[0].dtype;
    }
    case 'where':
      want(inputs[0], 'bool');
      return same(inputs.slice(1));
    case 'cast':
      return (a as AttrsOf<'cast'>).to;
    case 'gather':
      want(inputs[1], 'int32', 'int64');
      return inputs[0].dtype;
    case 'shape':
      return 'int64';
    case 'argmax':
      want(inputs[0], 'float32');
      return 'int64';
    case 'reduce':
      want(inputs[0], 'float32');
      return 'float32';
    default:
      return assertNever(op as never);
  }
}
