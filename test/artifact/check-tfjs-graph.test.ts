/**
 * The TF.js graph check on hand-made graphs: deny by default (an op without a rule), a
 * cycle, a chain of 100,000 nodes listed backwards (no recursion to overflow), the input's
 * bounds, an activation above the per-sample bound, and a keypoint graph (several inputs,
 * sizes known only when run) with edited constants. The artifacts pose-port writes are
 * checked through every test that loads a TF.js directory (all 26 manifests in
 * test/emit/tfjs/manifests.test.ts) and the hostile cases in hostile-artifacts.test.ts.
 */
import test, { type ExecutionContext } from 'ava';
import { MAX_ELEMENTS, checkTfjsGraph } from '../../src/artifact/check-tfjs-graph.js';
import type { NodeDefJson } from '../../src/emit/tfjs/graphdef.js';
import { attr } from '../../src/emit/tfjs/graphdef.js';
import type { TfjsModelArtifacts } from '../../src/emit/tfjs/index.js';
import { readTfjsArtifacts, specBytes } from '../../src/emit/tfjs/index.js';
import { convertCheckpoint } from '../../src/pipeline/convert.js';
import { ROOT } from '../helpers/ckpt.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectPoseError } from '../helpers/errors.js';

const input = (h = 16, w = 12): NodeDefJson => ({ name: 'input', op: 'Placeholder', attr: { dtype: attr.type('DT_FLOAT'), shape: attr.shape([-1, h, w, 3]) } });

function artifacts(nodes: NodeDefJson[], ints: { name: string; values: number[] }[] = []): TfjsModelArtifacts {
  const data = new Int32Array(ints.flatMap((c) => c.values));
  return {
    modelTopology: { node: nodes, library: {}, versions: { producer: 1 } },
    format: 'graph-model',
    generatedBy: 'test',
    convertedBy: 'test',
    signature: { inputs: {}, outputs: {} },
    weightSpecs: ints.map((c) => ({ name: c.name, shape: [c.values.length], dtype: 'int32' as const })),
    weightData: data.buffer,
  };
}

function refused(t: ExecutionContext, a: TfjsModelArtifacts, pattern: RegExp, key?: string) {
  const e = expectPoseError(t, () => checkTfjsGraph(a, 'model.json'), 'MODEL_FORMAT');
  t.regex(e.message, pattern);
  if (key) t.is(e.key, key);
}

test('an op without a rule is refused naming the node (deny by default)', (t) => {
  refused(t, artifacts([input(), { name: 'x', op: 'Erf', input: ['input'] }]), /node 'x' \(Erf\): op 'Erf' has no rule/, 'x');
});

test('a cycle and an operand naming no node are refused', (t) => {
  refused(t, artifacts([input(), { name: 'a', op: 'Relu', input: ['b'] }, { name: 'b', op: 'Relu', input: ['a'] }]), /cycle/);
  refused(t, artifacts([input(), { name: 'a', op: 'Relu', input: ['nowhere'] }]), /operand 'nowhere' names no node/);
});

test('a chain of 100,000 nodes listed backwards is checked without recursion', (t) => {
  const nodes: NodeDefJson[] = [];
  for (let i = 100_000; i >= 1; i--) nodes.push({ name: `r${i}`, op: 'Relu', input: [i === 1 ? 'input' : `r${i - 1}`] });
  nodes.push(input());
  const shapes = checkTfjsGraph(artifacts(nodes), 'model.json');
  t.deepEqual(shapes.get('r100000'), [-1, 16, 12, 3]);
});

test('the input must be [N, H, W, 3] within 2048 a side; activations are bounded', (t) => {
  refused(t, artifacts([input(20000, 20000)]), /Placeholder \[N, H, W, 3\] with 1 <= H, W <= 2048, found 'input' \[-1,20000,20000,3\]/);
  // a resize to 4x the input side is the most allowed
  const resize = (h: number, w: number) =>
    artifacts([input(), { name: 'size', op: 'Const' }, { name: 'up', op: 'ResizeBilinear', input: ['input', 'size'] }], [{ name: 'size', values: [h, w] }]);
  t.deepEqual(checkTfjsGraph(resize(64, 64), 'model.json').get('up'), [-1, 64, 64, 3]);
  refused(t, resize(65, 10), /size \[65, 10\] must be within 1\.\.64/, 'up');
  // a Pad that stays within its dimension, repeated until the values per sample pass the bound
  const nodes: NodeDefJson[] = [input(2048, 2048), { name: 'p', op: 'Const' }];
  let prev = 'input';
  for (let i = 0; i < 4; i++) {
    nodes.push({ name: `c${i}`, op: 'ConcatV2', input: [prev, prev, 'axis'], attr: { N: attr.int(2) } });
    prev = `c${i}`;
  }
  nodes.push({ name: 'axis', op: 'Const' });
  const e = expectPoseError(t, () => checkTfjsGraph(artifacts(nodes, [{ name: 'axis', values: [3] }, { name: 'p', values: [0] }]), 'model.json'));
  t.regex(e.message, new RegExp(`values per sample, above ${MAX_ELEMENTS}`));
});

/** `a` with the int32 constant `name` replaced by `values` (same count: the manifest still matches its bytes). */
function withInts(a: TfjsModelArtifacts, name: string, values: number[]): TfjsModelArtifacts {
  let at = 0;
  for (const spec of a.weightSpecs) {
    const n = specBytes(spec);
    if (spec.name === name) {
      if (spec.dtype !== 'int32' || n !== values.length * 4) throw new Error(`${name}: ${spec.dtype} of ${n} bytes`);
      const data = a.weightData.slice(0);
      new Int32Array(data, at, values.length).set(values);
      return { ...a, weightData: data };
    }
    at += n;
  }
  throw new Error(`no weight ${name}`);
}

test('a keypoint graph (image [H, W, 3] and boxes [N, 4], sizes known when run) is checked; an edited constant in it is refused', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'pose-port-kp-check-'));
  await convertCheckpoint(join(ROOT, 'fixtures', 'default', 'tiny_res_simplebaseline.pth'), { out, formats: ['tfjs'], graph: 'keypoints' });
  const a = readTfjsArtifacts(join(out, 'tfjs'));
  const shapes = checkTfjsGraph(a, 'model.json');
  t.deepEqual(shapes.get('image'), [-1, -1, 3]);
  t.deepEqual(shapes.get('keypoints'), [-1, 17, 2]);
  t.deepEqual(shapes.get('scores'), [-1, 17]);
  t.deepEqual(shapes.get('flip/batch/nhwc'), [-1, 256, 192, 3]);
  const ints = (name: string) => {
    let at = 0;
    for (const s of a.weightSpecs) {
      if (s.name === name) return Array.from(new Int32Array(a.weightData, at, specBytes(s) / 4));
      at += specBytes(s);
    }
    throw new Error(name);
  };
  // the spare box's pad (of the batch, a dimension known only when run) wider than the largest input side
  const pads = ints('spare/boxes/paddings');
  refused(t, withInts(a, 'spare/boxes/paddings', pads.map((p, i) => (i === 0 ? 3000 : p))), /paddings \[3000, \d+\] of dimension 0 \(size -1\) must be within 0\.\.2048/, 'spare/boxes');
  // a flip-pair channel past the 17 keypoints
  const pairs = ints('flip/pair_channels');
  refused(t, withInts(a, 'flip/pair_channels', pairs.map((p, i) => (i === 1 ? 999 : p))), /index 999 is outside dimension 1 \(size 17\)/, 'flip/pairs_swapped');
  // a reshape to a plane far above the per-sample bound
  const flat = ints('peaks/flat/shape');
  refused(t, withInts(a, 'peaks/flat/shape', flat.map((v, i) => (i === flat.length - 1 ? 2 ** 27 : v))), /values per sample, above/, 'peaks/flat');
});

test('a crop-keypoints graph (crops [N, 3, h, w] with one spare crop padded in front) is checked; a wider batch pad is refused', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'pose-port-kp-check-'));
  await convertCheckpoint(join(ROOT, 'fixtures', 'default', 'tiny_res_simplebaseline.pth'), { out, formats: ['tfjs'], graph: 'crop-keypoints' });
  const a = readTfjsArtifacts(join(out, 'tfjs'));
  const shapes = checkTfjsGraph(a, 'model.json');
  t.deepEqual(shapes.get('crops'), [-1, 3, 256, 192]);
  t.deepEqual(shapes.get('keypoints'), [-1, 17, 2]);
  let at = 0;
  for (const s of a.weightSpecs) {
    if (s.name === 'spare/crops/paddings') break;
    at += specBytes(s);
  }
  const pads = Array.from(new Int32Array(a.weightData, at, 8));
  t.deepEqual(pads, [1, 0, 0, 0, 0, 0, 0, 0]);
  refused(t, withInts(a, 'spare/crops/paddings', pads.map((p, i) => (i === 0 ? 2 : p))), /paddings \[2, 0\] of dimension 0 \(size -1\) must be within 0\.\.1 before and 0\.\.0 after/, 'spare/crops');
  refused(t, withInts(a, 'spare/crops/paddings', pads.map((p, i) => (i === 1 ? 1 : p))), /paddings \[1, 1\] of dimension 0/, 'spare/crops');
  rmSync(out, { recursive: true, force: true });
});
