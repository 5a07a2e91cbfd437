import test from 'ava';
import { emitOnnx } from '../../src/emit/onnx/index.js';
import { Graph } from '../../src/ir/graph.js';
import { verifyGraph } from '../../src/ir/verify.js';
import { deadCode } from '../../src/passes/index.js';
import { diff } from '../helpers/compare.js';
import { bn, conv, randomInput } from '../ir/graphs.js';
import { runOrt } from '../emit/onnx/ort.js';

/** input -> conv -> relu -> heatmaps, plus a dead branch (conv -> bn -> relu) off the relu. */
function withDeadBranch(): Graph {
  const g = new Graph();
  const x = g.addInput('input', ['N', 3, 6, 6]);
  const y = g.add('relu', [conv(g, x, 'live', 4, 3, { bias: true })], {});
  g.add('relu', [bn(g, conv(g, y, 'dead', 4, 3), 'dead.bn')], {});
  g.add('max_pool', [x], { kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] });
  g.markOutput(conv(g, y, 'final', 2, 1, { bias: true }), 'heatmaps');
  return g;
}

test('nodes that reach no output and their constants are removed; outputs unchanged', async (t) => {
  const g = withDeadBranch();
  const model = emitOnnx(g);
  t.is(g.nodes.length, 7);
  const r = deadCode.run(g);
  t.true(r.modified);
  verifyGraph(g);
  t.deepEqual(
    g.nodes.map((n) => n.op),
    ['conv', 'relu', 'conv'],
  );
  t.deepEqual(
    g.constants.map((c) => c.name),
    ['live.weight', 'live.bias', 'final.weight', 'final.bias'],
  );
  t.false(deadCode.run(g).modified);
  const x = randomInput(2 * 3 * 6 * 6);
  const [a, b] = [await runOrt(model, x, [2, 3, 6, 6]), await runOrt(emitOnnx(g), x, [2, 3, 6, 6])];
  const d = diff(b.get('heatmaps')!.data, a.get('heatmaps')!.data);
  t.is(d.maxAbs, 0);
});

test('a graph without dead nodes is left as is', (t) => {
  const g = new Graph();
  const x = g.addInput('input', ['N', 3, 4, 4]);
  g.markOutput(g.add('relu', [x], {}), 'heatmaps');
  t.false(deadCode.run(g).modified);
  t.is(g.nodes.length, 1);
});
