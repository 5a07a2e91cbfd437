/**
 * State-dict tensors backed by a file range: bounds checked when the checkpoint is
 * opened, bytes read only when data() is called. A dense row-major tensor is one
 * positioned read straight into the returned array; a strided view (a transpose, a
 * slice with a step) reads the span of storage it touches and gathers.
 */
import type { ByteSource } from '../core/bytes.js';
import { DTYPE_BYTES, TYPED_ARRAY, type DType, type TypedArrayOf } from '../core/dtype.js';
import { PosePortError } from '../core/errors.js';
import { shapeString } from '../core/tensor.js';
import type { TensorRef } from './pickle/values.js';
import type { PthTensorEntry } from './types.js';

/** Where a storage's bytes lie in the file. */
export interface StorageLocation {
  /** absolute file offset of the storage's first byte */
  readonly offset: number;
  /** bytes the storage holds */
  readonly length: number;
}

const IS_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Throws unless the host is little-endian (checkpoints hold little-endian bytes). */
export function assertLittleEndianHost(file: string): void {
  if (!IS_LE) throw new PosePortError('IO', 'pose-port reads checkpoints on little-endian hosts only', { file });
}

function typedView<D extends DType>(dtype: D, bytes: Uint8Array, count: number): TypedArrayOf[D] {
  return new TYPED_ARRAY[dtype](bytes.buffer as ArrayBuffer, bytes.byteOffset, count);
}

export class FileTensor<D extends DType = DType> implements PthTensorEntry<D> {
  readonly name: string;
  readonly storedName: string;
  readonly dtype: D;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
  readonly storageOffset: number;
  readonly storageKey: string;
  readonly fileOffset: number;
  readonly numel: number;
  readonly byteLength: number;
  readonly contiguous: boolean;
  /** elements from the first to the last one the view touches (0 when empty) */
  readonly span: number;

  /**
   * Validates the view against its storage: TENSOR_BOUNDS (naming the tensor) when
   * a size, stride or offset reaches past the storage's bytes.
   */
  constructor(
    name: string,
    storedName: string,
    ref: TensorRef & { dtype: D },
    loc: StorageLocation,
    private readonly source: ByteSource,
  ) {
    this.name = name;
    this.storedName = storedName;
    this.dtype = ref.dtype;
    this.shape = ref.shape;
    this.stride = ref.stride;
    this.storageOffset = ref.offset;
    this.storageKey = ref.storage.key;
    const es = DTYPE_BYTES[ref.dtype];
    this.fileOffset = loc.offset + ref.offset * es;
    const bounds = (msg: string): never => {
      throw new PosePortError(
        'TENSOR_BOUNDS',
        `tensor '${storedName}' (${ref.dtype} ${shapeString(ref.shape)}, stride ${shapeString(ref.stride)}, ` +
          `offset ${ref.offset}) ${msg}`,
        { file: source.name, offset: ref.at, key: storedName },
      );
    };
    let numel = 1;
    let last = 0; // index of the last element touched, relative to the offset
    let contiguous = true;
    let expected = 1;
    for (let d = ref.shape.length - 1; d >= 0; d--) {
      const size = ref.shape[d];
      numel *= size;
      last += (size - 1) * ref.stride[d];
      if (size !== 1 && ref.stride[d] !== expected) contiguous = false;
      expected *= size;
    }
    if (!Number.isSafeInteger(numel) || !Number.isSafeInteger(numel * es)) bounds('has too many elements');
    this.numel = numel;
    this.byteLength = numel * es;
    this.contiguous = contiguous;
    if (numel === 0) {
      this.span = 0;
    } else {
      const end = (ref.offset + last + 1) * es;
      if (!Number.isSafeInteger(last) || !Number.isSafeInteger(end) || end > loc.length) {
        bounds(`reaches byte ${Number.isSafeInteger(end) ? end : 'beyond 2^53'} of storage '${ref.storage.key}', which holds ${loc.length} bytes`);
      }
      this.span = last + 1;
    }
  }

  data(): TypedArrayOf[D] {
    const es = DTYPE_BYTES[this.dtype];
    if (this.numel === 0) return typedView(this.dtype, new Uint8Array(0), 0);
    const start = this.fileOffset;
    if (this.contiguous) {
      return typedView(this.dtype, this.source.read(start, this.byteLength, es), this.numel);
    }
    const src = typedView(this.dtype, this.source.read(start, this.span * es, es), this.span);
    const out = typedView(this.dtype, new Uint8Array(this.byteLength), this.numel);
    gather(src as ArrayLike<unknown>, out as unknown as { [i: number]: unknown }, this.shape, this.stride);
    return out;
  }

  bytes(): Uint8Array {
    const d = this.data();
    return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  }

  readInto(target: Uint8Array): Uint8Array {
    if (target.length < this.byteLength) {
      throw new PosePortError('USAGE', `readInto: buffer of ${target.length} bytes for tensor '${this.storedName}' of ${this.byteLength}`, {
        key: this.storedName,
      });
    }
    const out = target.subarray(0, this.byteLength);
    if (this.numel === 0) return out;
    if (this.contiguous) this.source.readInto(this.fileOffset, out);
    else out.set(this.bytes());
    return out;
  }

  readRangeInto(byteOffset: number, target: Uint8Array): void {
    if (!Number.isSafeInteger(byteOffset) || byteOffset < 0 || byteOffset + target.length > this.byteLength)
      throw new PosePortError('USAGE', `readRangeInto: bytes ${byteOffset}+${target.length} of tensor '${this.storedName}' of ${this.byteLength}`, {
        key: this.storedName,
      });
    if (target.length === 0) return;
    if (this.contiguous) this.source.readInto(this.fileOffset + byteOffset, target);
    else target.set(this.bytes().subarray(byteOffset, byteOffset + target.length));
  }
}

/** Copies a strided view (`src` starts at the view's first element) into row-major `out`. */
function gather(src: ArrayLike<unknown>, out: { [i: number]: unknown }, shape: readonly number[], stride: readonly number[]): void {
  const rank = shape.length;
  const last = rank - 1;
  const n = shape[last];
  const st = stride[last];
  const idx = new Array<number>(rank).fill(0);
  let o = 0;
  let s = 0;
  for (;;) {
    for (let j = 0, p = s; j < n; j++, p += st) out[o++] = src[p];
    let d = last - 1;
    while (d >= 0) {
      idx[d]++;
      s += stride[d];
      if (idx[d] < shape[d]) break;
      s -= stride[d] * shape[d];
      idx[d] = 0;
      d--;
    }
    if (d < 0) return;
  }
}
