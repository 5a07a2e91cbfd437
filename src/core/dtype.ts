/** Element types pose-port reads from checkpoints and writes to artifacts. */
export type DType =
  | 'float32'
  | 'float16'
  | 'bfloat16'
  | 'float64'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint8'
  | 'bool';

/**
 * The typed array each dtype is returned as. float16 and bfloat16 have no native
 * JS array (Node 20): they are returned as their raw bits in a Uint16Array; use
 * `toFloat32` to widen them.
 */
export interface TypedArrayOf {
  float32: Float32Array;
  float16: Uint16Array;
  bfloat16: Uint16Array;
  float64: Float64Array;
  int64: BigInt64Array;
  int32: Int32Array;
  int16: Int16Array;
  int8: Int8Array;
  uint8: Uint8Array;
  bool: Uint8Array;
}

export type AnyTypedArray = TypedArrayOf[DType];

export const DTYPE_BYTES: Readonly<Record<DType, number>> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float64: 8,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

export const ALL_DTYPES: readonly DType[] = Object.keys(DTYPE_BYTES) as DType[];

export function isFloatDType(d: DType): boolean {
  return d === 'float32' || d === 'float16' || d === 'bfloat16' || d === 'float64';
}

/** The typed array class of each dtype (float16/bfloat16 as raw bits, bool as bytes). */
export const TYPED_ARRAY: {
  readonly [D in DType]: { new (count: number): TypedArrayOf[D]; new (buffer: ArrayBuffer, byteOffset: number, length: number): TypedArrayOf[D] };
} = {
  float32: Float32Array,
  float16: Uint16Array,
  bfloat16: Uint16Array,
  float64: Float64Array,
  int64: BigInt64Array,
  int32: Int32Array,
  int16: Int16Array,
  int8: Int8Array,
  uint8: Uint8Array,
  bool: Uint8Array,
};

/** Allocates a zeroed typed array of `count` elements of `dtype`. */
export function allocTyped<D extends DType>(dtype: D, count: number): TypedArrayOf[D] {
  return new TYPED_ARRAY[dtype](count);
}

/** IEEE half (bits) to number. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

const bf16Scratch = new Float32Array(1);
const bf16Bits = new Uint32Array(bf16Scratch.buffer);

/** bfloat16 (bits) to number. */
export function bfloat16ToFloat(b: number): number {
  bf16Bits[0] = (b & 0xffff) << 16;
  return bf16Scratch[0];
}

/** Widens any numeric dtype's data to float32 (int64 through Number). */
export function toFloat32(dtype: DType, data: AnyTypedArray): Float32Array {
  if (dtype === 'float32') return data as Float32Array;
  const out = new Float32Array(data.length);
  switch (dtype) {
    case 'float16':
      for (let i = 0; i < out.length; i++) out[i] = halfToFloat((data as Uint16Array)[i]);
      return out;
    case 'bfloat16':
      for (let i = 0; i < out.length; i++) out[i] = bfloat16ToFloat((data as Uint16Array)[i]);
      return out;
    case 'int64':
      for (let i = 0; i < out.length; i++) out[i] = Number((data as BigInt64Array)[i]);
      return out;
    case 'float64':
    case 'int32':
    case 'int16':
    case 'int8':
    case 'uint8':
    case 'bool':
      for (let i = 0; i < out.length; i++) out[i] = (data as Exclude<AnyTypedArray, BigInt64Array>)[i];
      return out;
  }
}
