/**
 * Test runtime for TF.js models in Node without tfjs-node: tfjs-core + the cpu backend
 * and the wasm backend (its .wasm files loaded from node_modules), and onnxruntime-node
 * for the ONNX side of parity checks.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import * as ort from 'onnxruntime-node';
import { tfjsIOHandler } from '../../../src/artifact/tfjs-runtime.js';
import type { TfjsArtifact } from '../../../src/emit/tfjs/index.js';

export { tf };
export type Backend = 'cpu' | 'wasm';

const require = createRequire(import.meta.url);
const wasmDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
setWasmPaths(wasmDir);
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);

export async function useBackend(b: Backend): Promise<void> {
  if (tf.getBackend() === b) return;
  const ok = await tf.setBackend(b);
  if (!ok) throw new Error(`TF.js backend '${b}' failed to initialise`);
  await tf.ready();
}

/** Loads a model (weights land on `backend`, cpu by default; tensors move if the backend changes later). */
export async function loadTfjs(src: TfjsArtifact | string, backend: Backend = 'cpu'): Promise<GraphModel> {
  await useBackend(backend);
  return loadGraphModel(tfjsIOHandler(src));
}

/** Runs a TF.js model on `backend` with an NHWC input; returns each output's data and shape. */
export async function runTfjs(model: GraphModel, backend: Backend, input: Float32Array, shape: number[], outputs?: string[]): Promise<{ data: Float32Array; shape: number[] }[]> {
  await useBackend(backend);
  const x = tf.tensor(input, shape, 'float32');
  try {
    const names = outputs ?? model.outputs.map((o) => o.name);
    const r = model.execute({ input: x }, names);
    const list = Array.isArray(r) ? r : [r];
    const out = [];
    for (const t of list) {
      out.push({ data: (await t.data()) as Float32Array, shape: t.shape });
      t.dispose();
    }
    return out;
  } finally {
    x.dispose();
  }
}

export async function runOnnx(bytes: Uint8Array, input: Float32Array, shape: number[], outputs?: string[]): Promise<{ data: Float32Array; shape: number[] }[]> {
  const s = await ort.InferenceSession.create(bytes);
  try {
    const r = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', input, shape) });
    return (outputs ?? s.outputNames).map((n) => ({ data: r[n].data as Float32Array, shape: [...r[n].dims].map(Number) }));
  } finally {
    await s.release();
  }
}

export { nchwToNhwc, nhwcToNchw } from '../../../src/core/layout.js';

/** deterministic uniform values in [lo, hi) */
export function randomData(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
  return out;
}
