import test from 'ava';
import { emitOnnx, validateOnnx } from '../../src/emit/onnx/index.js';
import { Graph } from '../../src/ir/graph.js';
import { verifyGraph } from '../../src/ir/verify.js';
import { foldBatchNorm, runPasses } from '../../src/passes/index.js';
import { diff } from '../helpers/compare.js';
import { interpret } from '../helpers/ir-interp.js';
import { bn, conv, deconv, headGraph, randomInput } from '../ir/graphs.js';
import { runOrt } from '../emit/onnx/ort.js';

/** Folding changes the rounding, not the function: folded vs unfolded within 1e-5 relative L2. */
const REL_L2 = 1e-5;

const count = (g: Graph, op: string) => g.nodes.filter((n) => n.op === op).length;

/** no BN reads a conv/conv_transpose output that nothing else reads */
function noFoldableLeft(g: Graph): boolean {
  return g.nodes.every((n) => {
    if (n.op !== 'batch_norm') return true;
    const x = n.inputs[0];
    return !(x.producer && (x.producer.op === 'conv' || x.producer.op === 'conv_transpose') && x.uses.length === 1);
  });
}

async function sameOutputs(t: any, build: () => Graph, batches = [1, 3]) {
  const plain = build();
  const folded = build();
  const r = foldBatchNorm.run(folded);
  verifyGraph(folded);
  t.true(r.modified);
  t.true(noFoldableLeft(folded));
  t.true(folded.nodes.length < plain.nodes.length, `${folded.nodes.length} nodes after, ${plain.nodes.length} before`);
  const a = emitOnnx(plain);
  const b = emitOnnx(folded);
  validateOnnx(b);
  for (const n of batches) {
    const shape = plain.inputs[0].shape.map((d) => (d === 'N' ? n : d)) as number[];
    const x = randomInput(shape.reduce((p, q) => p * q, 1), 7 + n);
    const [oa, ob] = [await runOrt(a, x, shape), await runOrt(b, x, shape)];
    const ref = interpret(folded, x, shape);
    for (const o of plain.outputs) {
      const d = diff(ob.get(o.name)!.data, oa.get(o.name)!.data);
      t.true(d.relL2 <= REL_L2, `${o.name} batch ${n}: folded vs unfolded relL2 ${d.relL2}`);
      t.true(d.maxRef > 0);
      const di = diff(ob.get(o.name)!.data, ref.get(o.name)!);
      t.true(di.relL2 <= 1e-6, `${o.name}: folded graph in onnxruntime vs interpreter relL2 ${di.relL2}`);
    }
  }
  return { plain, folded };
}

test('head graph: conv->BN and deconv->BN fold, BN after add or a shared conv stays', async (t) => {
  const { plain, folded } = await sameOutputs(t, headGraph);
  t.is(count(plain, 'batch_norm'), 4);
  t.is(count(folded, 'batch_norm'), 2);
  t.is(folded.nodes.length, plain.nodes.length - 2);
  const kept = folded.nodes.filter((n) => n.op === 'batch_norm').map((n) => n.name);
  t.deepEqual(kept, ['backbone.bn2', 'backbone.bn3']);
  t.false(folded.constants.some((c) => /bn1|bn_deconv/.test(c.name) && c.constant!.kind === 'checkpoint'));
  t.false(foldBatchNorm.run(folded).modified, 'second run has nothing to fold');
});

test('grouped conv and grouped transposed conv with biases, a BN chain, and a BN that is the graph output', async (t) => {
  await sameOutputs(t, () => {
    const g = new Graph();
    const x = g.addInput('input', ['N', 4, 6, 6]);
    let y = bn(g, conv(g, x, 'c1', 6, 3, { group: 2, bias: true }), 'bn1');
    y = g.add('relu', [y], {});
    y = bn(g, deconv(g, y, 'd1', 4, 4, { group: 2, bias: true }), 'bn2'); // weight [6, 2, 4, 4]
    y = bn(g, y, 'bn2b'); // BN after BN: folds into the same transposed conv
    y = bn(g, deconv(g, g.add('relu', [y], {}), 'd2', 6, 3, { group: 2, stride: 1, outPad: [0, 0] }), 'bn3');
    g.markOutput(y, 'heatmaps'); // the BN's output is the graph output
    return g;
  });
});

test('float16 checkpoint weights fold through float32', async (t) => {
  const { folded } = await sameOutputs(t, () => headGraph({ dtype: 'float16' }));
  const computed = folded.constants.filter((c) => c.constant!.kind === 'derived');
  t.is(computed.length, 4);
  t.true(folded.constants.some((c) => c.constant!.kind === 'checkpoint' && c.constant!.entry.dtype === 'float16'));
});

test('node counts drop and the passes are recorded by runPasses', (t) => {
  const g = headGraph();
  const before = g.nodes.length;
  const { graph, applied } = runPasses(g, ['fold-batchnorm', 'dead-code'], { verify: true });
  t.is(graph.nodes.length, before - 2);
  t.deepEqual(
    applied.map((a) => [a.name, a.modified, a.nodes]),
    [
      ['fold-batchnorm', true, before - 2],
      ['dead-code', false, before - 2],
    ],
  );
  t.true(applied.every((a) => a.ms >= 0));
});
