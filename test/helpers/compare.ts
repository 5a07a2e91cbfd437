import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readManifest, REFERENCES } from './ckpt.js';

export interface Diff {
  relL2: number;
  maxAbs: number;
  maxRef: number;
}

/** relative L2 error ||a-b|| / ||b|| and max |a-b|, with max |b| for scaling tolerances */
export function diff(actual: ArrayLike<number>, expected: ArrayLike<number>): Diff {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  let num = 0;
  let den = 0;
  let maxAbs = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = actual[i] - expected[i];
    if (Number.isNaN(d)) return { relL2: NaN, maxAbs: NaN, maxRef };
    num += d * d;
    den += expected[i] * expected[i];
    maxAbs = Math.max(maxAbs, Math.abs(d));
    maxRef = Math.max(maxRef, Math.abs(expected[i]));
  }
  return { relL2: Math.sqrt(num) / Math.sqrt(den || 1), maxAbs, maxRef };
}

/** The tolerance of the parity proofs: relL2 <= 1e-5 and maxAbs <= 1e-4 * max|ref|. */
export function withinParity(d: Diff, relL2 = 1e-5, absFactor = 1e-4): boolean {
  return d.relL2 <= relL2 && d.maxAbs <= absFactor * d.maxRef;
}

export interface Reference {
  meta: any;
  input: Float32Array;
  inputShape: number[];
  output: Float32Array;
  outputShape: number[];
  outputFlip: Float32Array;
}

function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/**
 * Every reference was computed on the same input (COCO image 785 resized to 192x256 and
 * normalised, README in test/data/reference), committed once beside the model folders.
 */
const COMMON_INPUT = { file: 'input.bin', image: 'mmpose v0.12.0:tests/data/coco/000000000785.jpg', shape: [1, 3, 256, 192] };

function readInput(model: string, input: { file: string; image: string; shape: number[]; min: number; max: number }): Float32Array {
  const same = input.file === COMMON_INPUT.file && input.image === COMMON_INPUT.image && input.shape.join() === COMMON_INPUT.shape.join();
  if (!same) throw new Error(`${model}: reference input ${JSON.stringify(input.image)} ${input.shape.join('x')} is not the common input; commit it in its folder`);
  const data = readF32(join(REFERENCES, COMMON_INPUT.file));
  let min = Infinity;
  let max = -Infinity;
  for (const v of data) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  if (min !== input.min || max !== input.max) throw new Error(`${model}: common input range [${min}, ${max}] != meta.json's [${input.min}, ${input.max}]`);
  return data;
}

export function readReference(model: string): Reference {
  const dir = join(REFERENCES, model);
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
  return {
    meta,
    input: readInput(model, meta.input),
    inputShape: meta.input.shape,
    output: readF32(join(dir, meta.output.file)),
    outputShape: meta.output.shape,
    outputFlip: readF32(join(dir, meta.output_flip?.file ?? 'output_flip.bin')),
  };
}

/**
 * Every model with a reference in test/data/reference (optionally of one family), so
 * parity tests cover whatever references are present, not a list fixed in the test.
 */
export function referenceModels(family?: string): string[] {
  return readdirSync(REFERENCES)
    .filter((d) => existsSync(join(REFERENCES, d, 'meta.json')))
    .filter((d) => family === undefined || readManifest(d).family === family)
    .sort();
}
