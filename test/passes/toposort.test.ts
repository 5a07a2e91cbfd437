import test from 'ava';
import { printGraph } from '../../src/ir/print.js';
import { verifyGraph } from '../../src/ir/verify.js';
import { toposort } from '../../src/passes/index.js';
import { allOpsGraph, headGraph } from '../ir/graphs.js';
import { expectPoseError } from '../helpers/errors.js';

test('a valid order is kept as is', (t) => {
  const g = allOpsGraph();
  const before = printGraph(g);
  t.false(toposort.run(g).modified);
  t.is(printGraph(g), before);
});

test('a shuffled graph is put back in a valid order', (t) => {
  for (const build of [allOpsGraph, headGraph]) {
    const g = build();
    g.nodes.reverse();
    expectPoseError(t, () => verifyGraph(g));
    t.true(toposort.run(g).modified);
    t.notThrows(() => verifyGraph(g));
  }
});

test('a node moved before its producer goes right after it, the rest keeps its order', (t) => {
  const g = headGraph();
  const relu = g.nodes.splice(2, 1)[0];
  g.nodes.unshift(relu);
  t.true(toposort.run(g).modified);
  t.is(printGraph(g), printGraph(headGraph()));
});

test('a cycle is reported naming a node', (t) => {
  const g = headGraph();
  // make the first relu read its own output
  const relu = g.nodes.find((n) => n.op === 'relu')!;
  const old = relu.inputs[0];
  old.uses.splice(old.uses.indexOf(relu), 1);
  relu.inputs[0] = relu.outputs[0];
  relu.outputs[0].uses.push(relu);
  const e = expectPoseError(t, () => toposort.run(g));
  t.is(e!.code, 'GRAPH_INVALID');
  t.regex(e!.message, /cycle through relu 'relu'/);
});
