/**
 * Checkpoint tensor data is read-only; a pass that derives a weight allocates. A
 * memory-backed checkpoint hands out views of the caller's buffer, so a pass writing
 * in place would change the caller's bytes and every later read.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectArchitecture, familyByName } from '../../src/arch/index.js';
import { float32LE } from '../../src/artifact/compare.js';
import { emitOnnx } from '../../src/emit/onnx/index.js';
import { onnx, type TensorProto } from '../../src/emit/onnx/proto.js';
import { emitTfjs, specBytes } from '../../src/emit/tfjs/index.js';
import { oihwToHwio } from '../../src/core/layout.js';
import { DEFAULT_PASSES, runPasses } from '../../src/passes/index.js';
import { openCheckpointBytes } from '../../src/pth/index.js';
import { ROOT } from '../helpers/ckpt.js';

const FILE = join(ROOT, 'fixtures', 'default', 'tiny_res_simplebaseline.pth');
const KEY = 'backbone.conv1.weight';

function foldedGraph(bytes: Uint8Array) {
  const ckpt = openCheckpointBytes(bytes, { name: FILE });
  const d = detectArchitecture(ckpt.tensors);
  if (!d) throw new Error('no family detected');
  const { graph } = familyByName(d.family).build(ckpt.tensors, d.config, { inputSize: [64, 64] });
  runPasses(graph, DEFAULT_PASSES);
  return graph;
}

/** the ONNX initializer named after `key` (folded or not) */
function onnxWeight(bytes: Uint8Array, key: string): { name: string; data: Float32Array; dims: number[] } {
  const m = onnx.ModelProto.decode(bytes);
  const t = (m.graph!.initializer as TensorProto[]).find((x) => x.name.startsWith(key));
  if (!t) throw new Error(`no initializer for ${key}`);
  return { name: t.name, data: float32LE(t.rawData), dims: t.dims.map(Number) };
}

test('folding an in-memory checkpoint twice and emitting ONNX and TF.js gives identical weights; the caller\'s buffer is unchanged', (t) => {
  const bytes = new Uint8Array(readFileSync(FILE));
  const before = bytes.slice();
  const original = openCheckpointBytes(bytes, { name: FILE }).tensors.get(KEY)!.data() as Float32Array;
  const first = onnxWeight(emitOnnx(foldedGraph(bytes)), KEY);
  const secondGraph = foldedGraph(bytes);
  const second = onnxWeight(emitOnnx(secondGraph), KEY);
  t.is(first.name, `${KEY}:bn_folded`);
  t.deepEqual(second.data, first.data, 'the second fold of the same checkpoint gives the same weights');
  t.notDeepEqual(first.data, Float32Array.from(original), 'the folded weight differs from the checkpoint (batch norm was folded)');
  t.log(`${KEY}[0]: checkpoint ${original[0].toFixed(4)}, folded ${first.data[0].toFixed(4)} both times`);

  // TF.js from the same graph: the same folded values, in HWIO order
  const art = emitTfjs(secondGraph);
  const all = new Uint8Array(art.shards.reduce((s, x) => s + x.bytes.byteLength, 0));
  let o = 0;
  for (const s of art.shards) (all.set(s.bytes, o), (o += s.bytes.byteLength));
  let at = 0;
  let tf: Float32Array | undefined;
  for (const w of art.modelJson.weightsManifest.flatMap((g) => g.weights)) {
    if (w.name === `${KEY}_bn_folded/hwio` || (w.name.startsWith(KEY) && w.name.endsWith('/hwio'))) tf = float32LE(all.subarray(at, at + specBytes(w)));
    at += specBytes(w);
  }
  if (!tf) return t.fail(`no TF.js weight for ${KEY}`);
  t.deepEqual(tf, oihwToHwio(first.data, first.dims), 'TF.js holds the same folded weight as ONNX');

  t.true(Buffer.from(bytes).equals(Buffer.from(before)), "the caller's buffer is unchanged");
  const again = openCheckpointBytes(bytes, { name: FILE }).tensors.get(KEY)!.data() as Float32Array;
  t.deepEqual(Float32Array.from(again), Float32Array.from(original), 'the checkpoint reads the same after two folds and three emissions');
});
