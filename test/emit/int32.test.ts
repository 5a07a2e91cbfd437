/**
 * The int32 element type (index arithmetic of the keypoint graphs, src/ir/types.ts) through
 * both emitters: Cast to and from int32, Mul and Add of int32 tensors and constants, Pad
 * with an int32 fill, Less and Where on int32, Gather with int32 indices. onnxruntime-node
 * (opsets 11 and 17) and TF.js (cpu, wasm) must give the values computed here exactly.
 */
import test from 'ava';
import { emitOnnx } from '../../src/emit/onnx/index.js';
import { emitTfjs } from '../../src/emit/tfjs/index.js';
import { Graph } from '../../src/ir/graph.js';
import { loadTfjs, runOnnx, runTfjs } from './tfjs/runtime.js';

const X = Float32Array.of(0.5, 3.7, -2.2, 9.9, 1, 2, 3, 4);
const K = [3, 1, -2, 2];

function int32Graph(): Graph {
  const g = new Graph();
  const x = g.addInput('input', ['N', 4]);
  const c = (name: string, shape: number[], v: number[], dtype: 'int32' | 'float32' = 'int32') => g.addComputedConstant(name, shape, Float32Array.from(v), [], dtype);
  const xi = g.add('cast', [g.add('unary', [x], { fn: 'floor' }, { name: 'floor' })], { to: 'int32' }, { name: 'to_int32' });
  const y = g.add('binary', [g.add('binary', [xi, c('k', [4], K)], { fn: 'mul' }, { name: 'times_k' }), c('five', [], [5])], { fn: 'add' }, { name: 'plus_five' });
  const p = g.add('pad', [y], { pads: [0, 1, 0, 1], value: 7 }, { name: 'padded' });
  const negative = g.add('compare', [p, c('zero', [], [0])], { fn: 'less' }, { name: 'negative' });
  const index = g.add('where', [negative, c('zero_index', [], [0]), p], {}, { name: 'index' });
  const table = c('table', [64], Array.from({ length: 64 }, (_, i) => i * 10 + 0.5), 'float32');
  g.markOutput(g.add('gather', [table, index], { axis: 0 }, { name: 'lookup' }), 'looked_up');
  g.markOutput(g.add('cast', [p], { to: 'float32' }, { name: 'padded_float' }), 'padded_out');
  return g;
}

/** [looked_up, padded] of X as the graph defines them */
function expected(): [number[], number[]] {
  const padded: number[] = [];
  for (let r = 0; r < 2; r++) padded.push(7, ...K.map((k, j) => Math.floor(X[r * 4 + j]) * k + 5), 7);
  return [padded.map((v) => Math.max(v, 0) * 10 + 0.5), padded];
}

test('int32 casts, arithmetic, pad, where and gather indices: onnxruntime (opsets 11, 17) and TF.js (cpu, wasm) exact', async (t) => {
  const [lookedUp, padded] = expected();
  t.true(padded.some((v) => v < 0), 'the case has a negative index to clamp');
  for (const opset of [11, 17]) {
    const [a, b] = await runOnnx(emitOnnx(int32Graph(), { opset }), X, [2, 4], ['looked_up', 'padded_out']);
    t.deepEqual([...a.data], lookedUp, `onnx opset ${opset} looked_up`);
    t.deepEqual([...b.data], padded, `onnx opset ${opset} padded`);
  }
  const model = await loadTfjs(emitTfjs(int32Graph(), { inputLayout: 'as-declared', outputLayout: 'NCHW' }));
  for (const backend of ['cpu', 'wasm'] as const) {
    const [a, b] = await runTfjs(model, backend, X, [2, 4], ['looked_up', 'padded_out']);
    t.deepEqual([...a.data], lookedUp, `TF.js ${backend} looked_up`);
    t.deepEqual([...b.data], padded, `TF.js ${backend} padded`);
  }
});
