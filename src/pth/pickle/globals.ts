/**
 * The name resolver: an explicit allowlist of the globals torch.save and numpy put
 * in checkpoints. Each resolves to data (a storage type, a dtype) or to a function
 * that validates its arguments and returns one of the inert records of values.ts.
 * A few data-only classes of mmengine training checkpoints (DATA_CLASSES) become
 * inert PyObject records: made by NEWOBJ (`cls.__new__`, never a call) and given
 * their known fields by BUILD; nothing of the class runs.
 * Any other `module.name` is refused with PICKLE_GLOBAL naming it and the byte
 * offset, or, with allowUnknownGlobals, becomes a placeholder whose calls are
 * recorded (never run) and a warning.
 *
 * Functions handed to the parser are created per parse and frozen, so a pickle
 * cannot attach state to them (BUILD on a frozen function throws).
 *
 * Past 300 lines because it is the one allowlist: every global a checkpoint may name,
 * with the argument checks of each, kept in one table so that what is allowed can be
 * read in one place.
 */
import { halfToFloat, type DType } from '../../core/dtype.js';
import { PosePortError } from '../../core/errors.js';
import {
  isExactly,
  NpArray,
  NpDType,
  NP_ITEMSIZE,
  PyComplex,
  PyObject,
  PySlice,
  QUALNAME,
  StorageRef,
  StorageType,
  TensorRef,
  TorchDType,
  UnknownCall,
} from './values.js';

export interface ResolverContext {
  file: string;
  allowUnknownGlobals: boolean;
  /** warnings for the caller (one per unknown name) */
  warnings: string[];
  /** file offset of the opcode being executed */
  at(): number;
}

export type Resolver = (module: string, name: string) => unknown;

/** Maximum tensor rank accepted (torch allows 64). */
const MAX_RANK = 64;

const STORAGE_DTYPES: Readonly<Record<string, DType | null>> = {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  DoubleStorage: 'float64',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
  // known to torch, not read by pose-port (a TENSOR_DTYPE error names them when used)
  ComplexFloatStorage: null,
  ComplexDoubleStorage: null,
  QInt8Storage: null,
  QUInt8Storage: null,
  QInt32Storage: null,
  QUInt4x2Storage: null,
  QUInt2x4Storage: null,
};

const TORCH_DTYPES: Readonly<Record<string, DType | null>> = {
  float32: 'float32',
  float: 'float32',
  float16: 'float16',
  half: 'float16',
  bfloat16: 'bfloat16',
  float64: 'float64',
  double: 'float64',
  int64: 'int64',
  long: 'int64',
  int32: 'int32',
  int: 'int32',
  int16: 'int16',
  short: 'int16',
  int8: 'int8',
  uint8: 'uint8',
  bool: 'bool',
  complex64: null,
  complex128: null,
  cfloat: null,
  cdouble: null,
  uint16: null,
  uint32: null,
  uint64: null,
  float8_e4m3fn: null,
  float8_e5m2: null,
};

/**
 * Data-only classes that MMPose 1.x (mmengine) training checkpoints pickle outside the
 * state_dict, with the instance fields their pickled `__dict__` may hold:
 * `message_hub.log_scalars` holds one HistoryBuffer per logged scalar (mmengine
 * `logging/history_buffer.py`: `max_length` and two numpy arrays). Each is rebuilt as
 * an inert PyObject record, only through NEWOBJ (`cls.__new__(cls)`), never called.
 */
const DATA_CLASSES: Readonly<Record<string, readonly string[]>> = {
  'mmengine.logging.history_buffer.HistoryBuffer': ['max_length', '_log_history', '_count_history'],
};

export function makeResolver(ctx: ResolverContext): Resolver {
  const fail = (msg: string): never => {
    throw new PosePortError('PICKLE_FORMAT', msg, { file: ctx.file, offset: ctx.at() });
  };
  const index = (v: unknown, what: string): number => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(`${what} is not a non-negative integer`);
    return v as number;
  };
  const indices = (v: unknown, what: string): number[] => {
    if (!Array.isArray(v)) fail(`${what} is not a tuple`);
    const a = v as unknown[];
    if (a.length > MAX_RANK) fail(`${what} has ${a.length} dimensions (at most ${MAX_RANK})`);
    return a.map((x, i) => index(x, `${what}[${i}]`));
  };

  /** a frozen function the parser may call (REDUCE) or construct (NEWOBJ) */
  const callable = (qualname: string, impl: (args: unknown[], constructing: boolean) => unknown): unknown => {
    const fn = function (this: unknown, ...args: unknown[]): unknown {
      const r = impl(args, new.target !== undefined);
      if (new.target !== undefined && (typeof r !== 'object' || r === null)) {
        fail(`'${qualname}' cannot be instantiated`);
      }
      return r;
    };
    Object.defineProperty(fn, QUALNAME, { value: qualname });
    return Object.freeze(fn);
  };
  const arity = (qualname: string, args: unknown[], min: number, max: number): void => {
    if (args.length < min || args.length > max) {
      fail(`${qualname} called with ${args.length} arguments (expects ${min === max ? min : `${min} to ${max}`})`);
    }
  };

  const rebuild = (qualname: string, args: unknown[], dtypeArg: TorchDType | null): TensorRef => {
    const [storage, offset, size, stride] = args;
    if (!isExactly(storage, StorageRef)) fail(`${qualname}: first argument is not a storage`);
    const st = storage as StorageRef;
    const shape = indices(size, `${qualname}: size`);
    const strides = indices(stride, `${qualname}: stride`);
    if (shape.length !== strides.length) {
      fail(`${qualname}: size has ${shape.length} dimensions but stride has ${strides.length}`);
    }
    let dtype: DType | null;
    if (dtypeArg) {
      dtype = dtypeArg.dtype;
      if (dtype === null) {
        throw new PosePortError('TENSOR_DTYPE', `tensor dtype '${dtypeArg.qualname}' is not supported`, {
          file: ctx.file,
          offset: ctx.at(),
        });
      }
    } else {
      dtype = st.type.dtype;
      if (dtype === null) {
        throw new PosePortError('TENSOR_DTYPE', `storage type '${st.type.qualname}' is not supported`, {
          file: ctx.file,
          offset: ctx.at(),
        });
      }
    }
    return new TensorRef(st, dtype, index(offset, `${qualname}: storage offset`), Object.freeze(shape), Object.freeze(strides), ctx.at());
  };

  const T = 'torch._utils.';
  const allowed = new Map<string, () => unknown>([
    ['collections.OrderedDict', () =>
      callable('collections.OrderedDict', (args) => {
        arity('collections.OrderedDict', args, 0, 1);
        const m = new Map<unknown, unknown>();
        if (args.length === 1) {
          const items = args[0];
          if (!Array.isArray(items)) fail('OrderedDict(items): items is not a list');
          for (const kv of items as unknown[]) {
            if (!Array.isArray(kv) || kv.length !== 2) fail('OrderedDict(items): an item is not a (key, value) pair');
            m.set((kv as unknown[])[0], (kv as unknown[])[1]);
          }
        }
        return m;
      })],
    [T + '_rebuild_tensor', () =>
      callable(T + '_rebuild_tensor', (args) => {
        arity(T + '_rebuild_tensor', args, 4, 4);
        return rebuild(T + '_rebuild_tensor', args, null);
      })],
    [T + '_rebuild_tensor_v2', () =>
      callable(T + '_rebuild_tensor_v2', (args) => {
        // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
        arity(T + '_rebuild_tensor_v2', args, 6, 7);
        return rebuild(T + '_rebuild_tensor_v2', args, null);
      })],
    [T + '_rebuild_tensor_v3', () =>
      callable(T + '_rebuild_tensor_v3', (args) => {
        // (storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype[, metadata])
        arity(T + '_rebuild_tensor_v3', args, 7, 8);
        if (!isExactly(args[6], TorchDType)) fail(`${T}_rebuild_tensor_v3: dtype argument is not a torch dtype`);
        return rebuild(T + '_rebuild_tensor_v3', args, args[6] as TorchDType);
      })],
    [T + '_rebuild_parameter', () =>
      callable(T + '_rebuild_parameter', (args) => {
        arity(T + '_rebuild_parameter', args, 3, 3);
        if (!isExactly(args[0], TensorRef)) fail(`${T}_rebuild_parameter: data is not a tensor`);
        return args[0];
      })],
    [T + '_rebuild_parameter_with_state', () =>
      callable(T + '_rebuild_parameter_with_state', (args) => {
        arity(T + '_rebuild_parameter_with_state', args, 4, 4);
        if (!isExactly(args[0], TensorRef)) fail(`${T}_rebuild_parameter_with_state: data is not a tensor`);
        return args[0];
      })],
    ['torch.Size', () =>
      callable('torch.Size', (args) => {
        arity('torch.Size', args, 0, 1);
        return args.length ? indices(args[0], 'torch.Size') : [];
      })],
    // mmengine's MultiStepParamScheduler keeps `milestones` as a Counter: Counter({170: 1, 200: 1})
    ['collections.Counter', () =>
      callable('collections.Counter', (args) => {
        arity('collections.Counter', args, 0, 1);
        if (args.length === 0) return new Map();
        if (!isExactly(args[0], Map)) fail('Counter(mapping): mapping is not a dict');
        return new Map(Map.prototype.entries.call(args[0] as Map<unknown, unknown>) as Iterable<[unknown, unknown]>);
      })],
    ['_codecs.encode', () =>
      callable('_codecs.encode', (args) => {
        // numpy scalars and bytes pickled at protocol 2: encode(text, 'latin1')
        arity('_codecs.encode', args, 1, 2);
        const [text, enc = 'utf-8'] = args;
        if (typeof text !== 'string') fail('_codecs.encode: text is not a str');
        return encodeText(text as string, enc, fail);
      })],
  ]);

  for (const [qualname, fields] of Object.entries(DATA_CLASSES)) {
    const known = Object.freeze(new Set(fields));
    allowed.set(qualname, () =>
      callable(qualname, (args, constructing) => {
        if (!constructing) fail(`'${qualname}' is only rebuilt as cls.__new__(cls) (NEWOBJ), never called`);
        arity(qualname, args, 0, 0);
        return new PyObject(qualname, known);
      }),
    );
  }

  // torch storage types (also under torch.cuda, as very old checkpoints name them)
  for (const [name, dtype] of Object.entries(STORAGE_DTYPES)) {
    for (const mod of ['torch', 'torch.cuda']) {
      allowed.set(`${mod}.${name}`, () => new StorageType(`${mod}.${name}`, dtype, false));
    }
  }
  allowed.set('torch.UntypedStorage', () => new StorageType('torch.UntypedStorage', 'uint8', true));
  allowed.set('torch.storage.UntypedStorage', () => new StorageType('torch.storage.UntypedStorage', 'uint8', true));
  for (const [name, dtype] of Object.entries(TORCH_DTYPES)) {
    allowed.set(`torch.${name}`, () => new TorchDType(`torch.${name}`, dtype));
  }

  // numpy (1.x names under numpy.core, 2.x under numpy._core)
  for (const core of ['numpy.core', 'numpy._core']) {
    const scalar = `${core}.multiarray.scalar`;
    allowed.set(scalar, () =>
      callable(scalar, (args) => {
        arity(scalar, args, 1, 2);
        const [dt, raw] = args;
        if (!isExactly(dt, NpDType)) fail(`${scalar}: first argument is not a numpy dtype`);
        if (!isExactly(raw, Uint8Array)) fail(`${scalar}: numpy scalar without raw bytes (object scalars are not read)`);
        return npScalar(dt as NpDType, raw as Uint8Array, fail);
      }),
    );
    const reconstruct = `${core}.multiarray._reconstruct`;
    allowed.set(reconstruct, () =>
      callable(reconstruct, (args) => {
        arity(reconstruct, args, 3, 3);
        const cls = args[0] as { [QUALNAME]?: string } | null;
        const q = typeof cls === 'function' ? cls[QUALNAME] : undefined;
        if (q !== 'numpy.ndarray') fail(`${reconstruct}: only numpy.ndarray is rebuilt (got ${q ?? typeof cls})`);
        return new NpArray();
      }),
    );
    // protocol 5: numpy.core.numeric._frombuffer(buffer, dtype, shape, order)
    const frombuffer = `${core}.numeric._frombuffer`;
    allowed.set(frombuffer, () =>
      callable(frombuffer, (args) => {
        arity(frombuffer, args, 4, 4);
        const [buf, dt, shape, order] = args;
        if (!isExactly(buf, Uint8Array)) fail(`${frombuffer}: buffer is not bytes`);
        if (order !== 'C' && order !== 'F') fail(`${frombuffer}: order is not 'C' or 'F'`);
        const a = new NpArray();
        try {
          a.__setstate__([1, shape, dt, order === 'F', buf]);
        } catch (e) {
          fail(`${frombuffer}: ${(e as Error).message}`);
        }
        return a;
      }),
    );
  }
  allowed.set('numpy.ndarray', () =>
    callable('numpy.ndarray', () => fail('numpy.ndarray is only accepted as an argument of _reconstruct')),
  );
  allowed.set('numpy.dtype', () =>
    callable('numpy.dtype', (args) => {
      arity('numpy.dtype', args, 1, 3);
      if (typeof args[0] !== 'string') fail('numpy.dtype: code is not a str');
      return new NpDType(args[0] as string);
    }),
  );

  // the few builtins plain data needs (protocol 2 names them __builtin__)
  for (const mod of ['builtins', '__builtin__']) {
    const q = (n: string): string => `${mod}.${n}`;
    allowed.set(q('set'), () => callable(q('set'), (args) => iterableArg(q('set'), args, fail)));
    allowed.set(q('frozenset'), () => callable(q('frozenset'), (args) => iterableArg(q('frozenset'), args, fail)));
    allowed.set(q('bytes'), () =>
      callable(q('bytes'), (args) => {
        arity(q('bytes'), args, 0, 2);
        if (args.length === 0) return new Uint8Array(0);
        if (isExactly(args[0], Uint8Array)) return (args[0] as Uint8Array).slice();
        if (typeof args[0] === 'string') return encodeText(args[0] as string, args[1] ?? 'utf-8', fail);
        return fail(`${q('bytes')}: unsupported argument`);
      }),
    );
    allowed.set(q('bytearray'), () =>
      callable(q('bytearray'), (args) => {
        arity(q('bytearray'), args, 0, 2);
        if (args.length === 0) return new Uint8Array(0);
        if (isExactly(args[0], Uint8Array)) return (args[0] as Uint8Array).slice();
        if (typeof args[0] === 'string') return encodeText(args[0] as string, args[1] ?? 'utf-8', fail);
        return fail(`${q('bytearray')}: unsupported argument`);
      }),
    );
    allowed.set(q('slice'), () =>
      callable(q('slice'), (args) => {
        arity(q('slice'), args, 1, 3);
        return args.length === 1 ? new PySlice(null, args[0], null) : new PySlice(args[0], args[1], args[2] ?? null);
      }),
    );
    allowed.set(q('complex'), () =>
      callable(q('complex'), (args) => {
        arity(q('complex'), args, 0, 2);
        const [re = 0, im = 0] = args;
        if (typeof re !== 'number' || typeof im !== 'number') fail(`${q('complex')}: parts are not numbers`);
        return new PyComplex(re as number, im as number);
      }),
    );
  }

  const unknownSeen = new Set<string>();
  return (module: string, name: string): unknown => {
    const qualname = `${module}.${name}`;
    const make = typeof module === 'string' && typeof name === 'string' ? allowed.get(qualname) : undefined;
    if (make) return make();
    const shown = typeof module === 'string' && typeof name === 'string' ? qualname : '<non-string name>';
    if (!ctx.allowUnknownGlobals || shown !== qualname) {
      throw new PosePortError('PICKLE_GLOBAL', `refusing global '${shown}'`, {
        file: ctx.file,
        offset: ctx.at(),
        key: shown,
      });
    }
    if (!unknownSeen.has(qualname)) {
      unknownSeen.add(qualname);
      ctx.warnings.push(`unknown global '${qualname}' at byte ${ctx.at()} kept as an inert placeholder (never called)`);
    }
    return callable(qualname, (args) => new UnknownCall(qualname, args));
  };
}

function iterableArg(qualname: string, args: unknown[], fail: (m: string) => never): unknown[] {
  if (args.length === 0) return [];
  if (args.length !== 1 || !Array.isArray(args[0])) return fail(`${qualname}: argument is not a list`);
  return (args[0] as unknown[]).slice();
}

function encodeText(text: string, encoding: unknown, fail: (m: string) => never): Uint8Array {
  const enc = typeof encoding === 'string' ? encoding.toLowerCase().replace(/[-_]/g, '') : '';
  if (enc === 'latin1' || enc === 'iso88591') {
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c > 0xff) fail(`latin1 text holds code point ${c}`);
      out[i] = c;
    }
    return out;
  }
  if (enc === 'utf8') return new TextEncoder().encode(text);
  return fail(`unsupported text encoding '${String(encoding)}'`);
}

/** A numpy scalar's value: number (float, small int), bigint (large int64/uint64) or boolean. */
function npScalar(dt: NpDType, raw: Uint8Array, fail: (m: string) => never): number | bigint | boolean {
  const kind = dt.kind;
  if (kind === null) return fail(`numpy scalar of dtype '${dt.code}' is not supported`);
  const size = NP_ITEMSIZE[kind];
  if (raw.length !== size) return fail(`numpy ${kind} scalar carries ${raw.length} bytes, expected ${size}`);
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const le = !dt.bigEndian;
  const big = (v: bigint): number | bigint => (v >= -BigInt(Number.MAX_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
  switch (kind) {
    case 'float16':
      return halfToFloat(dv.getUint16(0, le));
    case 'float32':
      return dv.getFloat32(0, le);
    case 'float64':
      return dv.getFloat64(0, le);
    case 'int8':
      return dv.getInt8(0);
    case 'int16':
      return dv.getInt16(0, le);
    case 'int32':
      return dv.getInt32(0, le);
    case 'int64':
      return big(dv.getBigInt64(0, le));
    case 'uint8':
      return dv.getUint8(0);
    case 'uint16':
      return dv.getUint16(0, le);
    case 'uint32':
      return dv.getUint32(0, le);
    case 'uint64':
      return big(dv.getBigUint64(0, le));
    case 'bool':
      return raw[0] !== 0;
  }
}

/** Storage from a persistent id: ('storage', type, key, location, numel[, view_metadata]). */
export function storageFromPid(pid: unknown, at: number, file: string): StorageRef {
  const fail = (msg: string): never => {
    throw new PosePortError('PICKLE_FORMAT', `persistent id: ${msg}`, { file, offset: at });
  };
  if (!Array.isArray(pid)) return fail('not a tuple');
  const t = pid as unknown[];
  if (t[0] === 'module') {
    return fail('a pickled nn.Module class (the file was saved with torch.save(model), not a state_dict): not read');
  }
  if (t[0] !== 'storage') return fail(`unknown kind '${String(t[0])}'`);
  if (t.length !== 5 && t.length !== 6) return fail(`storage id of ${t.length} fields`);
  const [, type, key, location, numel, view] = t;
  if (!isExactly(type, StorageType)) return fail('storage type is not a torch storage class');
  if (typeof key !== 'string' || key.length === 0 || key.length > 256) return fail('storage key is not a short str');
  if (typeof location !== 'string') return fail('storage location is not a str');
  if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) return fail(`storage '${key}' size is not a count`);
  let v: readonly [number, number] | null = null;
  if (view !== undefined && view !== null) {
    // legacy storage views: (view_key, offset, view_size)
    if (!Array.isArray(view) || view.length !== 3) return fail(`storage '${key}' view metadata is not (key, offset, size)`);
    const [, off, size] = view as unknown[];
    if (typeof off !== 'number' || !Number.isSafeInteger(off) || off < 0) return fail(`storage '${key}' view offset is not a count`);
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) return fail(`storage '${key}' view size is not a count`);
    v = Object.freeze([off, size] as const);
  }
  return new StorageRef(key, type as StorageType, location as string, numel as number, v, at);
}
