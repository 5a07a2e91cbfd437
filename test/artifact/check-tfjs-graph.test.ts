/**
 * The TF.js graph check on hand-made graphs: deny by default (an op without a rule), a
 * cycle, a chain of 100,000 nodes listed backwards (no recursion to overflow), the input's
 * bounds, and an activation above the per-sample bound. The artifacts pose-port writes are
 * checked through every test that loads a TF.js directory (all 26 manifests in
 * test/emit/tfjs/manifests.test.ts) and the hostile cases in hostile-artifacts.test.ts.
 */
import test from 'ava';
import { MAX_ELEMENTS, checkTfjsGraph } from '../../src/artifact/check-tfjs-graph.js';
import { PosePortError } from '../../src/core/errors.js';
import type { NodeDefJson } from '../../src/emit/tfjs/graphdef.js';
import { attr } from '../../src/emit/tfjs/graphdef.js';
import type { TfjsModelArtifacts } from '../../src/emit/tfjs/index.js';

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

function refused(t: any, a: TfjsModelArtifacts, pattern: RegExp, key?: string) {
  const e = t.throws(() => checkTfjsGraph(a, 'model.json')) as PosePortError;
  t.true(e instanceof PosePortError);
  t.is(e.code, 'MODEL_FORMAT');
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
  const e = t.throws(() => checkTfjsGraph(artifacts(nodes, [{ name: 'axis', values: [3] }, { name: 'p', values: [0] }]), 'model.json')) as PosePortError;
  t.regex(e.message, new RegExp(`values per sample, above ${MAX_ELEMENTS}`));
});
