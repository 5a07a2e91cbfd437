/** Readers for the spec vectors (test/data/vectors, README there): b64 arrays and "NaN"/"Infinity" strings. */
import { join } from 'node:path';
import { readDataJson, VECTORS } from '../helpers/data.js';

/** A spec vector file by its name in the README (`flip.json`, `cocoeval/index.json`); committed gzipped. */
export function readVectors(name: string): any {
  return readDataJson(join(VECTORS, `${name}.gz`));
}

export interface B64Array {
  dtype: 'float32' | 'uint8';
  shape: number[];
  byteorder: 'little';
  b64: string;
}

export function f32FromB64(a: B64Array): Float32Array {
  if (a.dtype !== 'float32') throw new Error(`expected float32, got ${a.dtype}`);
  const buf = Buffer.from(a.b64, 'base64');
  const out = new Float32Array(buf.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = buf.readFloatLE(i * 4);
  return out;
}

export function u8FromB64(a: B64Array): Uint8Array {
  if (a.dtype !== 'uint8') throw new Error(`expected uint8, got ${a.dtype}`);
  return new Uint8Array(Buffer.from(a.b64, 'base64'));
}

/** A JSON number or one of the strings "NaN", "Infinity", "-Infinity". */
export function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  throw new Error(`not a number: ${JSON.stringify(v)}`);
}

/** Flattens nested lists of numbers / NaN strings. */
export function flat(v: unknown): number[] {
  if (Array.isArray(v)) return v.flatMap((x) => flat(x));
  return [num(v)];
}

/** Same value, NaN equal to NaN. */
export function sameNumber(a: number, b: number): boolean {
  return Object.is(a, b) || a === b || (a !== a && b !== b);
}
