/**
 * Canonical JSON of pose-port meta values, the form fixtures/pth/make_fixtures.py
 * writes from the Python values it saved (see its docstring).
 */
import type { PlainValue } from '../../src/pth/index.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

function int(v: bigint): Json {
  return v >= -BigInt(Number.MAX_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : { $int: v.toString() };
}

function obj(entries: [string, Json][]): { [k: string]: Json } {
  const o: { [k: string]: Json } = {};
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

export function canon(v: PlainValue): Json {
  if (v === null || typeof v === 'boolean' || typeof v === 'string' || typeof v === 'number') return v;
  if (typeof v === 'bigint') return int(v);
  if (Array.isArray(v)) return v.map(canon);
  if (v instanceof Map) return obj([['$map', [...v].map(([k, x]) => [canon(k), canon(x)])]]);
  if (ArrayBuffer.isView(v)) {
    if (v instanceof Uint8Array) return obj([['$bytes', hex(v)]]);
    throw new Error(`typed array outside a numpy array: ${Object.prototype.toString.call(v)}`);
  }
  const rec = v as { [k: string]: PlainValue };
  const keys = Object.keys(rec);
  if (keys.length === 3 && 'dtype' in rec && 'shape' in rec && ArrayBuffer.isView(rec.data)) {
    const data = Array.from(rec.data as unknown as ArrayLike<number | bigint>).map((x) => (typeof x === 'bigint' ? int(x) : x));
    return obj([
      ['dtype', rec.dtype as string],
      ['shape', canon(rec.shape)],
      ['data', data],
    ]);
  }
  return obj(keys.map((k) => [k, canon(rec[k])]));
}
