/**
 * The values the allowlisted globals build while a checkpoint's pickle is read.
 * None of them runs anything: they record what the pickle described (a storage, a
 * tensor view of it, a numpy dtype or array) for the container and the state-dict
 * code to validate and read later. Instances are frozen once complete; objects that
 * receive pickle BUILD state keep it in private fields, so a BUILD aimed at anything
 * else fails instead of writing properties.
 */
import type { DType } from '../../core/dtype.js';

/**
 * `v` was made by `cls` itself: an exact prototype check. A pickle BUILD can re-point
 * the prototype of a value the parser made (Object.assign with a '__proto__' key), so
 * `instanceof` alone could be fooled into treating a byte string as a Map.
 */
export function isExactly<T>(v: unknown, cls: abstract new (...args: never[]) => T): v is T {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === cls.prototype;
}

/** Tag carried by every function the resolver hands to the parser: its `module.name`. */
export const QUALNAME: unique symbol = Symbol('pose-port.qualname');

/** torch.FloatStorage, torch.UntypedStorage, ... (a value inside storage persistent ids). */
export class StorageType {
  constructor(
    readonly qualname: string,
    /** element type; null for storage types pose-port does not read (complex, quantized) */
    readonly dtype: DType | null,
    /** torch.UntypedStorage: a byte buffer, numel counts bytes */
    readonly untyped: boolean,
  ) {
    Object.freeze(this);
  }
}

/** torch.float32, torch.bfloat16, ... (the dtype argument of _rebuild_tensor_v3). */
export class TorchDType {
  constructor(
    readonly qualname: string,
    readonly dtype: DType | null,
  ) {
    Object.freeze(this);
  }
}

/** A storage named by a persistent id: ('storage', type, key, location, numel[, view]). */
export class StorageRef {
  constructor(
    readonly key: string,
    readonly type: StorageType,
    readonly location: string,
    /** elements of `type` (bytes for untyped storages) */
    readonly numel: number,
    /** legacy storage views: [offset, size] in elements of the root storage `key` */
    readonly view: readonly [number, number] | null,
    /** file offset of the BINPERSID opcode */
    readonly at: number,
  ) {
    Object.freeze(this);
  }
}

/** A tensor as _rebuild_tensor(_v2/_v3) describes it: a strided view of a storage. */
export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly dtype: DType,
    /** in elements of `dtype` */
    readonly offset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
    /** file offset of the opcode that built it */
    readonly at: number,
  ) {
    Object.freeze(this);
  }
}

/** numpy element kinds pose-port decodes. */
export type NpKind =
  | 'float16'
  | 'float32'
  | 'float64'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'bool';

const NP_CODES: Readonly<Record<string, NpKind>> = {
  f2: 'float16',
  f4: 'float32',
  f8: 'float64',
  i1: 'int8',
  i2: 'int16',
  i4: 'int32',
  i8: 'int64',
  u1: 'uint8',
  u2: 'uint16',
  u4: 'uint32',
  u8: 'uint64',
  b1: 'bool',
};

export const NP_ITEMSIZE: Readonly<Record<NpKind, number>> = {
  float16: 2,
  float32: 4,
  float64: 8,
  int8: 1,
  int16: 2,
  int32: 4,
  int64: 8,
  uint8: 1,
  uint16: 2,
  uint32: 4,
  uint64: 8,
  bool: 1,
};

/** numpy.dtype('f8', False, True) plus its BUILD state (byte order). */
export class NpDType {
  /** the code numpy pickled, e.g. 'f8', 'U5', 'O8' */
  readonly code: string;
  /** null when the code is one pose-port does not decode */
  readonly kind: NpKind | null;
  #bigEndian = false;
  #built = false;

  constructor(code: string) {
    this.code = code;
    this.kind = Object.hasOwn(NP_CODES, code) ? NP_CODES[code] : null;
    Object.freeze(this);
  }

  get bigEndian(): boolean {
    return this.#bigEndian;
  }

  /** state: (version, byteorder, subarray, names, fields, elsize, alignment, flags) */
  __setstate__(state: unknown): void {
    if (this.#built) throw new TypeError('numpy dtype state set twice');
    if (!Array.isArray(state) || state.length < 2 || typeof state[1] !== 'string') {
      throw new TypeError('numpy dtype state is not (version, byteorder, ...)');
    }
    this.#built = true;
    this.#bigEndian = state[1] === '>';
  }
}

/** numpy.core.multiarray._reconstruct(ndarray, (0,), b'b') plus its BUILD state. */
export class NpArray {
  #dtype: NpDType | null = null;
  #shape: readonly number[] = [];
  #raw: Uint8Array | null = null;
  #fortran = false;

  constructor() {
    Object.freeze(this);
  }

  get dtype(): NpDType | null {
    return this.#dtype;
  }
  get shape(): readonly number[] {
    return this.#shape;
  }
  get raw(): Uint8Array | null {
    return this.#raw;
  }
  get fortran(): boolean {
    return this.#fortran;
  }

  /** state: (version, shape, dtype, is_fortran, rawdata) */
  __setstate__(state: unknown): void {
    if (this.#dtype) throw new TypeError('numpy array state set twice');
    if (!Array.isArray(state) || state.length !== 5) throw new TypeError('numpy array state is not a 5-tuple');
    const [, shape, dtype, fortran, raw] = state as unknown[];
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
      throw new TypeError('numpy array shape is not a tuple of sizes');
    }
    if (!isExactly(dtype, NpDType)) throw new TypeError('numpy array dtype is not a numpy.dtype');
    if (typeof fortran !== 'boolean') throw new TypeError('numpy array fortran flag is not a bool');
    if (!isExactly(raw, Uint8Array)) {
      throw new TypeError(`numpy array of dtype '${dtype.code}' does not carry raw bytes (object arrays are not read)`);
    }
    this.#dtype = dtype;
    this.#shape = Object.freeze(shape.slice() as number[]);
    this.#fortran = fortran;
    this.#raw = raw;
  }
}

/** A call of a global that is not on the allowlist, kept inert (allowUnknownGlobals). */
export class UnknownCall {
  readonly qualname: string;
  readonly args: readonly unknown[];
  #state: unknown = undefined;
  #hasState = false;

  constructor(qualname: string, args: readonly unknown[]) {
    this.qualname = qualname;
    this.args = Object.freeze(args.slice());
    Object.freeze(this);
  }
  get state(): unknown {
    return this.#state;
  }
  get hasState(): boolean {
    return this.#hasState;
  }
  __setstate__(state: unknown): void {
    if (this.#hasState) throw new TypeError('state set twice');
    this.#hasState = true;
    this.#state = state;
  }
}

/**
 * An instance of an allowlisted data-only class (globals.ts DATA_CLASSES, e.g.
 * mmengine's HistoryBuffer in a training checkpoint's message_hub): made by NEWOBJ
 * (`cls.__new__(cls)`, nothing run) and given its pickled `__dict__` by BUILD, once.
 * The state must be a dict whose keys are among the class's known fields.
 */
export class PyObject {
  readonly qualname: string;
  readonly fields: ReadonlySet<string>;
  #state: Map<string, unknown> | null = null;

  constructor(qualname: string, fields: ReadonlySet<string>) {
    this.qualname = qualname;
    this.fields = fields;
    Object.freeze(this);
  }
  /** the BUILD state (null when the pickle gave none) */
  get state(): ReadonlyMap<string, unknown> | null {
    return this.#state;
  }
  __setstate__(state: unknown): void {
    if (this.#state) throw new TypeError(`state of '${this.qualname}' set twice`);
    if (!isExactly(state, Map)) throw new TypeError(`state of '${this.qualname}' is not a dict`);
    for (const k of Map.prototype.keys.call(state)) {
      if (typeof k !== 'string') throw new TypeError(`state of '${this.qualname}' has a key that is not a str`);
      if (!this.fields.has(k)) throw new TypeError(`state of '${this.qualname}' has field '${k.slice(0, 64)}', not one of ${[...this.fields].join(', ')}`);
    }
    this.#state = new Map(Map.prototype.entries.call(state) as Iterable<[string, unknown]>);
  }
}

/** builtins.complex(re, im) */
export class PyComplex {
  constructor(
    readonly re: number,
    readonly im: number,
  ) {
    Object.freeze(this);
  }
}

/** builtins.slice(start, stop, step) */
export class PySlice {
  constructor(
    readonly start: unknown,
    readonly stop: unknown,
    readonly step: unknown,
  ) {
    Object.freeze(this);
  }
}

for (const cls of [StorageType, TorchDType, StorageRef, TensorRef, NpDType, NpArray, UnknownCall, PyObject, PyComplex, PySlice]) {
  Object.freeze(cls.prototype);
  Object.freeze(cls);
}
