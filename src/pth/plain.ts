/**
 * Unpickled values to plain JS values (the checkpoint's `meta`).
 *
 * Mapping (documented in types.ts `PlainValue`):
 *  - None -> null; bool, str -> themselves; float -> number; int -> number, or bigint
 *    beyond 2^53; numpy scalars likewise (numpy.float64 -> number, numpy.int64 ->
 *    number/bigint, numpy.bool_ -> boolean)
 *  - list, tuple, set, frozenset -> array; bytes, bytearray -> Uint8Array (a copy)
 *  - dict, OrderedDict -> an object with a null prototype when every key is a str (so a
 *    key '__proto__' or 'constructor' is an ordinary own property and nothing can reach
 *    Object.prototype); a Map when some key is not a str
 *  - numpy dtype -> its name ('float64'); numpy array -> { dtype, shape, data } with a
 *    typed array in C order; tensors -> { tensor: { dtype, shape } } (data stays in the file)
 *  - complex -> { re, im }; slice -> { start, stop, step }
 *  - an allowlisted data-only object (mmengine HistoryBuffer) -> { __class__, state }
 *  - a placeholder for an unknown global (allowUnknownGlobals) -> { __global__, args?, state? }
 *
 * The walk is bounded: nesting deeper than `maxValueDepth` or more than `maxValueNodes`
 * visits (shared references are visited each time they appear, so a pickle that
 * references one list from itself repeatedly cannot explode the output) is a
 * PICKLE_LIMIT error; a structure that contains itself is a PICKLE_FORMAT error.
 */
import { halfToFloat } from '../core/dtype.js';
import { PosePortError } from '../core/errors.js';
import type { PickleLimits } from './pickle/scan.js';
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
} from './pickle/values.js';
import type { PlainValue } from './types.js';

/** `offset`: where the pickle holding `value` starts, the place errors name. */
export function toPlain(value: unknown, what: string, file: string, offset: number, limits: PickleLimits): PlainValue {
  let nodes = 0;
  const active = new Set<object>();
  /** where the walk is, as key/index segments; joined only for messages */
  const trail: (string | number)[] = [];
  const where = (): string => {
    const full = what + trail.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('');
    return full.length > 120 ? `${full.slice(0, 40)}...${full.slice(-70)}` : full;
  };
  const fail = (code: 'PICKLE_LIMIT' | 'PICKLE_FORMAT', msg: string): never => {
    const path = where();
    throw new PosePortError(code, `${path}: ${msg} (in the pickle at byte ${offset})`, { file, offset, key: path });
  };
  const child = (v: unknown, depth: number, seg: string | number): PlainValue => {
    trail.push(seg);
    const r = walk(v, depth);
    trail.pop();
    return r;
  };

  const walk = (v: unknown, depth: number): PlainValue => {
    if (++nodes > limits.maxValueNodes) fail('PICKLE_LIMIT', `more than ${limits.maxValueNodes} values`);
    if (depth > limits.maxValueDepth) fail('PICKLE_LIMIT', `nested deeper than ${limits.maxValueDepth}`);
    if (v === null || v === undefined) return null;
    switch (typeof v) {
      case 'boolean':
      case 'number':
      case 'string':
      case 'bigint':
        return v;
      case 'function': {
        const q = (v as { [QUALNAME]?: string })[QUALNAME];
        return nullProto({ __global__: q ?? '<function>' });
      }
      case 'object':
        break;
      default:
        return fail('PICKLE_FORMAT', `unsupported value of type ${typeof v}`);
    }
    const o = v as object;
    if (active.has(o)) fail('PICKLE_FORMAT', 'structure contains itself');
    active.add(o);
    // no finally: an error ends the whole walk
    const r = container(o, depth);
    active.delete(o);
    return r;
  };

  const container = (o: object, depth: number): PlainValue => {
    {
      if (Array.isArray(o)) {
        const n = o.length;
        if (n > limits.maxValueNodes - nodes) fail('PICKLE_LIMIT', `more than ${limits.maxValueNodes} values`);
        const out: PlainValue[] = [];
        trail.push(0);
        for (let i = 0; i < n; i++) {
          trail[trail.length - 1] = i;
          out.push(walk(o[i], depth + 1));
        }
        trail.pop();
        return out;
      }
      if (isExactly(o, Uint8Array)) return o.slice();
      if (isExactly(o, Map)) {
        const entries = [...Map.prototype.entries.call(o)] as [unknown, unknown][];
        if (entries.every(([k]) => typeof k === 'string')) {
          const out = Object.create(null) as Record<string, PlainValue>;
          for (const [k, x] of entries) {
            Object.defineProperty(out, k as string, {
              value: child(x, depth + 1, k as string),
              enumerable: true,
              writable: true,
              configurable: true,
            });
          }
          return out;
        }
        const out = new Map<PlainValue, PlainValue>();
        for (const [k, x] of entries) {
          const pk = child(k, depth + 1, '<key>');
          out.set(pk, child(x, depth + 1, typeof pk === 'string' || typeof pk === 'number' ? pk : '<value>'));
        }
        return out;
      }
      if (isExactly(o, NpDType)) return o.kind ?? o.code;
      if (isExactly(o, NpArray)) return npArrayValue(o, (m) => fail('PICKLE_FORMAT', m));
      if (isExactly(o, TensorRef)) return nullProto({ tensor: nullProto({ dtype: o.dtype, shape: [...o.shape] }) });
      if (isExactly(o, PyComplex)) return nullProto({ re: o.re, im: o.im });
      if (isExactly(o, PySlice)) {
        return nullProto({
          start: child(o.start, depth + 1, 'start'),
          stop: child(o.stop, depth + 1, 'stop'),
          step: child(o.step, depth + 1, 'step'),
        });
      }
      if (isExactly(o, UnknownCall)) {
        const rec = nullProto({ __global__: o.qualname, args: child(o.args as unknown[], depth + 1, 'args') });
        if (o.hasState) rec.state = child(o.state, depth + 1, 'state');
        return rec;
      }
      if (isExactly(o, PyObject)) {
        const rec = nullProto({ __class__: o.qualname });
        const st = o.state;
        rec.state = st === null ? null : child(new Map(st), depth + 1, 'state');
        return rec;
      }
      if (isExactly(o, StorageType) || isExactly(o, TorchDType)) return nullProto({ __global__: o.qualname });
      if (isExactly(o, StorageRef)) return nullProto({ storage: o.key });
      return fail('PICKLE_FORMAT', `unsupported value (${Object.prototype.toString.call(o)})`);
    }
  };
  try {
    return walk(value, 0);
  } catch (e) {
    if (e instanceof PosePortError) throw e;
    // a value whose shape a pickle BUILD bent (e.g. a getter on a foreign receiver)
    throw new PosePortError('PICKLE_FORMAT', `${where()}: malformed value (${(e as Error).message})`, { file, offset });
  }
}

function nullProto(fields: Record<string, PlainValue>): Record<string, PlainValue> {
  const out = Object.create(null) as Record<string, PlainValue>;
  for (const [k, v] of Object.entries(fields)) out[k] = v;
  return out;
}

/** numpy array -> { dtype, shape, data } with data little-endian, in C order. */
function npArrayValue(a: NpArray, fail: (m: string) => never): PlainValue {
  const dt = a.dtype;
  const raw = a.raw;
  if (!dt || !raw) return fail('numpy array without state');
  const kind = dt.kind;
  if (kind === null) return fail(`numpy array of dtype '${dt.code}' is not supported`);
  let count = 1;
  for (const d of a.shape) count *= d;
  const size = NP_ITEMSIZE[kind];
  if (!Number.isSafeInteger(count) || count * size !== raw.length) {
    return fail(`numpy array of shape [${a.shape.join(', ')}] carries ${raw.length} bytes, expected ${count * size}`);
  }
  if (a.fortran && a.shape.length > 1) return fail('Fortran-ordered numpy arrays are not read');
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const le = !dt.bigEndian;
  let data: PlainValue;
  switch (kind) {
    case 'float16': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = halfToFloat(dv.getUint16(i * 2, le));
      data = out;
      break;
    }
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = dv.getFloat32(i * 4, le);
      data = out;
      break;
    }
    case 'float64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = dv.getFloat64(i * 8, le);
      data = out;
      break;
    }
    case 'int8':
      data = new Int8Array(raw.slice().buffer);
      break;
    case 'uint8':
    case 'bool':
      data = raw.slice();
      break;
    case 'int16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = dv.getInt16(i * 2, le);
      data = out;
      break;
    }
    case 'uint16': {
      const out = new Uint16Array(count);
      for (let i = 0; i < count; i++) out[i] = dv.getUint16(i * 2, le);
      data = out;
      break;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = dv.getInt32(i * 4, le);
      data = out;
      break;
    }
    case 'uint32': {
      const out = new Uint32Array(count);
      for (let i = 0; i < count; i++) out[i] = dv.getUint32(i * 4, le);
      data = out;
      break;
    }
    case 'int64': {
      const out = new BigInt64Array(count);
      for (let i = 0; i < count; i++) out[i] = dv.getBigInt64(i * 8, le);
      data = out;
      break;
    }
    case 'uint64': {
      const out = new BigUint64Array(count);
      for (let i = 0; i < count; i++) out[i] = dv.getBigUint64(i * 8, le);
      data = out;
      break;
    }
  }
  return nullProto({ dtype: kind, shape: [...a.shape], data });
}
