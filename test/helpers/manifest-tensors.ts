/**
 * A TensorSet with exactly the names, shapes and order of a zoo manifest, and
 * deterministic pseudo-random float data made lazily in JS: lets builder tests
 * cover all 26 layouts without PyTorch. (Parity tests use real make-checkpoint.py files.)
 */
import type { DType } from '../../src/core/dtype.js';
import { numelOf, tensorSetOf, type TensorEntry, type TensorSet } from '../../src/core/tensor.js';
import { readManifest } from './ckpt.js';

/** mulberry32: a small deterministic PRNG, uniform in [0, 1) */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

export function entryOf(name: string, shape: number[], dtype: DType = 'float32', fill?: (i: number) => number): TensorEntry {
  const numel = numelOf(shape);
  return {
    name,
    dtype,
    shape,
    numel,
    data() {
      if (dtype === 'int64') return new BigInt64Array(numel) as never;
      const rnd = mulberry32(hash(name));
      const out = new Float32Array(numel);
      const leaf = name.slice(name.lastIndexOf('.') + 1);
      for (let i = 0; i < numel; i++) {
        if (fill) out[i] = fill(i);
        else if (leaf === 'running_var') out[i] = 0.5 + rnd();
        else if (leaf === 'weight' && shape.length === 1) out[i] = 0.5 + 0.5 * rnd();
        else out[i] = (rnd() - 0.5) * 0.1;
      }
      return out as never;
    },
  };
}

/** The manifest's state_dict as a TensorSet (optionally edited: keys dropped, shapes changed). */
export function tensorSetFromManifest(
  model: string,
  edit: { drop?: string[]; reshape?: Record<string, number[]>; add?: [string, number[]][] } = {},
): TensorSet {
  const m = readManifest(model);
  const entries: TensorEntry[] = [];
  for (const [name, shape, dtype] of m.params as [string, number[], DType][]) {
    if (edit.drop?.includes(name)) continue;
    entries.push(entryOf(name, edit.reshape?.[name] ?? shape, dtype));
  }
  for (const [name, shape] of edit.add ?? []) entries.push(entryOf(name, shape));
  return tensorSetOf(entries);
}
