/**
 * Running TF.js graph models in Node without tfjs-node: tfjs-core with the cpu and wasm
 * backends (the wasm binaries read from node_modules), one typed IOHandler for a model
 * directory or an in-memory artifact, and a runner that returns every output NCHW.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { io, Tensor } from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { PosePortError } from '../core/errors.js';
import { nchwToNhwc, nhwcShapeToNchw, nhwcToNchw } from '../core/layout.js';
import { artifactToModelArtifacts, MODEL_JSON, readTfjsArtifacts, type TfjsArtifact, type TfjsModelArtifacts } from '../emit/tfjs/index.js';
import { checkTfjsGraph } from './check-tfjs-graph.js';
import type { Inputs, Outputs } from './outputs.js';

export type TfjsBackendName = 'cpu' | 'wasm';
export type TfjsCore = typeof import('@tensorflow/tfjs-core');

let tfjsReady: Promise<TfjsCore> | undefined;

/** tfjs-core with the cpu and wasm backends registered (the wasm binaries read from node_modules). */
export async function tfjsCore(): Promise<TfjsCore> {
  tfjsReady ??= (async () => {
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-cpu');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    return tf;
  })();
  return tfjsReady;
}

/** Makes `backend` the active TF.js backend (IO when it cannot initialise). */
export async function useTfjsBackend(backend: TfjsBackendName): Promise<TfjsCore> {
  const tf = await tfjsCore();
  if (tf.getBackend() !== backend) {
    if (!(await tf.setBackend(backend))) throw new PosePortError('IO', `TF.js backend '${backend}' failed to initialise`);
  }
  await tf.ready();
  return tf;
}

/** tfjs-core's ModelArtifacts from ours (the same fields; userDefinedMetadata is JSON, so its values are never undefined) */
function toTfArtifacts(a: TfjsModelArtifacts): io.ModelArtifacts {
  return { ...a, userDefinedMetadata: a.userDefinedMetadata as io.ModelArtifacts['userDefinedMetadata'] };
}

/**
 * An IOHandler for `loadGraphModel`: a model directory (validated first) or an in-memory
 * artifact. A directory's graph is shape-checked (check-tfjs-graph.ts) unless `checkGraph`
 * is false: only for graphs the check has no rules for yet (the keypoint graphs), never
 * on the run / eval / verify paths.
 */
export function tfjsIOHandler(src: string | TfjsArtifact, opts: { checkGraph?: boolean } = {}): io.IOHandler {
  return {
    load: async () => {
      if (typeof src !== 'string') return toTfArtifacts(artifactToModelArtifacts(src));
      // a model directory is untrusted input: files checked by the reader, the graph's constants here, before TF.js runs anything
      const a = readTfjsArtifacts(src);
      if (opts.checkGraph !== false) checkTfjsGraph(a, join(src, MODEL_JSON));
      return toTfArtifacts(a);
    },
  };
}

/** Loads a graph model with its weights on `backend`. */
export async function loadTfjsGraph(src: string | TfjsArtifact, backend: TfjsBackendName, opts: { checkGraph?: boolean } = {}): Promise<GraphModel> {
  await useTfjsBackend(backend);
  const { loadGraphModel } = await import('@tensorflow/tfjs-converter');
  return loadGraphModel(tfjsIOHandler(src, opts));
}

/** Executes `model` on `feeds` (disposed after) and reads every output back under its name, `map`ped. */
async function executeAll(model: GraphModel, feeds: Record<string, Tensor>, map: (data: Float32Array, shape: number[]) => { data: Float32Array; shape: number[] }): Promise<Outputs> {
  try {
    const names = model.outputs.map((o) => o.name);
    const r = model.execute(feeds, names);
    const list: Tensor[] = Array.isArray(r) ? r : [r];
    const out: Outputs = new Map();
    for (let i = 0; i < list.length; i++) {
      const t = list[i];
      const data = (await t.data()) as Float32Array;
      out.set(names[i].replace(/:0$/, ''), map(data, t.shape));
      t.dispose();
    }
    return out;
  } finally {
    for (const t of Object.values(feeds)) t.dispose();
    model.dispose();
  }
}

/**
 * Runs a TF.js model directory on the cpu backend with an NCHW input; every output comes
 * back NCHW under its name. Sets TF.js's PROD flag (it silences the "install tfjs-node"
 * hint on stderr).
 */
export async function runTfjsOutputs(dir: string, input: Float32Array, shape: readonly number[]): Promise<Outputs> {
  const tf = await tfjsCore();
  tf.env().set('PROD', true);
  const model = await loadTfjsGraph(dir, 'cpu');
  const [n, c, h, w] = shape;
  const x = tf.tensor(nchwToNhwc(input, shape), [n, h, w, c], 'float32');
  return executeAll(model, { [model.inputs[0].name]: x }, (data, s) => ({ data: nhwcToNchw(data, s), shape: nhwcShapeToNchw(s) }));
}

/**
 * Runs a TF.js model directory on `backend` (default cpu) with named inputs as its graph
 * declares them (a uint8 image goes in as int32, as TF.js holds images); outputs come back
 * as the graph gives them (a keypoint graph's are NCHW already, docs/keypoint-graphs.md).
 */
export async function runTfjsInputs(dir: string, inputs: Inputs, backend: TfjsBackendName = 'cpu'): Promise<Outputs> {
  const tf = await tfjsCore();
  tf.env().set('PROD', true);
  const model = await loadTfjsGraph(dir, backend);
  const feeds = Object.fromEntries([...inputs].map(([name, v]) => [name, v.data instanceof Uint8Array ? tf.tensor(Int32Array.from(v.data), v.shape, 'int32') : tf.tensor(v.data, v.shape, 'float32')]));
  return executeAll(model, feeds, (data, shape) => ({ data, shape }));
}
