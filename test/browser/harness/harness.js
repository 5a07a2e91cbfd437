// The browser side of the backend tests (test/browser/*.test.ts): runs one model on one
// backend and hands the outputs back. window.harness.run(spec):
//   spec = { runtime: 'tfjs' | 'onnx', backend, model: URL,
//            inputs: { name: { url, dtype: 'float32' | 'uint8', shape } },
//            outputs: [name, ...], reps, cpuNodes?: 'refuse' | 'report' (onnx webgpu) }
//   -> { facts, outputs: { name: { shape, data: number[] } }, ms: number[] }
// `facts` is what demo/backends.js proved about the backend (it throws on any fallback).
import { assertOnActiveBackend, createOrtSession, loadTfjsModel, useTfjsBackend } from '/demo/backends.js';

const WASM = {
  tfjs: '/node_modules/@tensorflow/tfjs-backend-wasm/dist/',
  onnx: '/node_modules/onnxruntime-web/dist/',
};
const ARRAYS = { float32: Float32Array, uint8: Uint8Array };

async function readInput({ url, dtype, shape }) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  const data = new ARRAYS[dtype](await r.arrayBuffer());
  const n = shape.reduce((a, b) => a * b, 1);
  if (data.length !== n) throw new Error(`${url}: ${data.length} values for shape [${shape}]`);
  return { data, dtype, shape };
}

async function runTfjs(spec, inputs) {
  const facts = await useTfjsBackend(spec.backend, { wasmPaths: WASM.tfjs });
  const model = await loadTfjsModel(spec.model);
  const ms = [];
  let outputs;
  try {
    for (let r = 0; r < spec.reps; r++) {
      const feeds = {};
      for (const [name, x] of Object.entries(inputs)) feeds[name] = tf.tensor(x.data, x.shape, x.dtype === 'uint8' ? 'int32' : 'float32');
      const t0 = performance.now();
      const ys = [].concat(await model.executeAsync(feeds, spec.outputs));
      const data = await Promise.all(ys.map((y) => y.data()));
      ms.push(performance.now() - t0);
      assertOnActiveBackend(ys);
      outputs = Object.fromEntries(spec.outputs.map((n, i) => [n, { shape: ys[i].shape, data: Array.from(data[i]) }]));
      tf.dispose([...Object.values(feeds), ...ys]);
    }
  } finally {
    model.dispose();
  }
  return { facts: { ...facts, backendAfterRun: tf.getBackend() }, outputs, ms };
}

async function runOnnx(spec, inputs) {
  const bytes = new Uint8Array(await (await fetch(spec.model)).arrayBuffer());
  const { session, facts } = await createOrtSession(bytes, spec.backend, { wasmPaths: WASM.onnx, cpuNodes: spec.cpuNodes });
  const ms = [];
  let outputs;
  try {
    const feeds = {};
    for (const [name, x] of Object.entries(inputs)) feeds[name] = new ort.Tensor(x.dtype, x.data, x.shape);
    for (let r = 0; r < spec.reps; r++) {
      const t0 = performance.now();
      const out = await session.run(feeds, spec.outputs);
      ms.push(performance.now() - t0);
      outputs = Object.fromEntries(spec.outputs.map((n) => [n, { shape: out[n].dims.map(Number), data: Array.from(out[n].data) }]));
    }
  } finally {
    await session.release();
  }
  return { facts, outputs, ms };
}

async function run(spec) {
  const inputs = {};
  for (const [name, s] of Object.entries(spec.inputs)) inputs[name] = await readInput(s);
  if (spec.runtime === 'tfjs') return runTfjs(spec, inputs);
  if (spec.runtime === 'onnx') return runOnnx(spec, inputs);
  throw new Error(`unknown runtime '${spec.runtime}'`);
}

window.harness = { run, ready: true };
document.getElementById('status').textContent = 'ready';
