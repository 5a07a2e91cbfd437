import { assertNever } from '../../core/assert.js';
import type { DType } from '../../ir/types.js';
import { ATTR_TYPE, DATA_TYPE, type IAttributeProto, type INodeProto } from './proto.js';

/**
 * The small pieces ONNX nodes are written with, shared by the node lowering (./lower.ts)
 * and the empty-batch guard (./empty-batch.ts): attributes, small initializers under fresh
 * names, and the opset-dependent form of a reduction.
 */

/** A small initializer made by the lowering (not a checkpoint tensor). */
export interface AuxInitializer {
  readonly name: string;
  readonly dims: readonly number[];
  readonly dataType: (typeof DATA_TYPE)[keyof typeof DATA_TYPE];
  readonly data: Float32Array | Int32Array | BigInt64Array | Uint8Array;
}

/** Attributes of a NodeProto. */
export const ints = (name: string, v: readonly number[]): IAttributeProto => ({ name, type: ATTR_TYPE.INTS, ints: [...v] });
export const int = (name: string, v: number): IAttributeProto => ({ name, type: ATTR_TYPE.INT, i: v });
export const float = (name: string, v: number): IAttributeProto => ({ name, type: ATTR_TYPE.FLOAT, f: v });
export const str = (name: string, v: string): IAttributeProto => ({ name, type: ATTR_TYPE.STRING, s: new TextEncoder().encode(v) });

/** A scalar initializer's type and data for an IR element type. */
function scalarOf(dtype: DType, v: number): Pick<AuxInitializer, 'dataType' | 'data'> {
  switch (dtype) {
    case 'float32':
      return { dataType: DATA_TYPE.FLOAT, data: Float32Array.of(v) };
    case 'int32':
      return { dataType: DATA_TYPE.INT32, data: Int32Array.of(v) };
    case 'int64':
      return { dataType: DATA_TYPE.INT64, data: BigInt64Array.of(BigInt(v)) };
    case 'uint8':
      return { dataType: DATA_TYPE.UINT8, data: Uint8Array.of(v) };
    case 'bool':
      return { dataType: DATA_TYPE.BOOL, data: Uint8Array.of(v) };
    default:
      return assertNever(dtype);
  }
}

/** Makers of small initializers under fresh names, collected in `aux`; each returns the name. */
export interface AuxMaker {
  int64(base: string, values: readonly number[]): string;
  int32(base: string, values: readonly number[]): string;
  float(base: string, values: readonly number[]): string;
  scalar(base: string, dtype: DType, v: number): string;
}

export function auxMaker(aux: AuxInitializer[], fresh: (base: string) => string): AuxMaker {
  const add = (base: string, dims: number[], x: Pick<AuxInitializer, 'dataType' | 'data'>): string => {
    const name = fresh(base);
    aux.push({ name, dims, ...x });
    return name;
  };
  return {
    int64: (base, values) => add(base, [values.length], { dataType: DATA_TYPE.INT64, data: BigInt64Array.from(values.map(BigInt)) }),
    int32: (base, values) => add(base, [values.length], { dataType: DATA_TYPE.INT32, data: Int32Array.from(values) }),
    float: (base, values) => add(base, [values.length], { dataType: DATA_TYPE.FLOAT, data: Float32Array.from(values) }),
    scalar: (base, dtype, v) => add(base, [], scalarOf(dtype, v)),
  };
}

/**
 * A ReduceMax/ReduceSum node's op, inputs and attributes at `opset`: ReduceSum takes its
 * axes as an input from opset 13 (ReduceMax from 18, beyond our range).
 */
export function reduction(
  opType: 'ReduceMax' | 'ReduceSum',
  opset: number,
  x: string,
  axes: readonly number[],
  keepdims: boolean,
  make: AuxMaker,
  base: string,
): Pick<INodeProto, 'opType' | 'input' | 'attribute'> {
  const keep = int('keepdims', keepdims ? 1 : 0);
  if (opType === 'ReduceSum' && opset >= 13) return { opType, input: [x, make.int64(`${base}.axes`, axes)], attribute: [keep] };
  return { opType, input: [x], attribute: [ints('axes', axes), keep] };
}

