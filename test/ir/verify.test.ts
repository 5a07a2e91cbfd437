import test, { type ExecutionContext } from 'ava';
import { Graph } from '../../src/ir/graph.js';
import { verifyGraph } from '../../src/ir/verify.js';
import { allOpsGraph, attentionGraph, headGraph } from './graphs.js';
import { expectPoseError } from '../helpers/errors.js';

function invalid(t: ExecutionContext, g: Graph, re: RegExp) {
  t.regex(expectPoseError(t, () => verifyGraph(g), 'GRAPH_INVALID').message, re);
}

test('hand-built graphs verify', (t) => {
  for (const g of [allOpsGraph(), headGraph(), attentionGraph()]) t.notThrows(() => verifyGraph(g));
});

test('a node before the producer of its operand is named', (t) => {
  const g = headGraph();
  [g.nodes[0], g.nodes[1]] = [g.nodes[1], g.nodes[0]];
  invalid(t, g, /batch_norm 'backbone\.bn1' \(from 'backbone\.bn1'\): operand 0 'backbone\.conv1:out' is computed later/);
});

test('a stored shape that differs from inference is named', (t) => {
  const g = headGraph();
  g.nodes[2].outputs[0].shape = ['N', 8, 8, 9];
  invalid(t, g, /relu '.*': stored shape \[N, 8, 8, 9\] differs from inferred \[N, 8, 8, 8\]/);
});

test('duplicate names, unread constants, broken use lists and missing outputs are caught', (t) => {
  let g = headGraph();
  g.nodes[1].outputs[0].name = 'backbone.conv1:out';
  invalid(t, g, /name 'backbone\.conv1:out' is used by/);

  g = headGraph();
  g.addComputedConstant('stray', [2], new Float32Array(2), []);
  invalid(t, g, /constant 'stray' is read by no node/);

  g = headGraph();
  g.nodes[0].inputs[0].uses.push(g.nodes[3]);
  invalid(t, g, /'input' lists '.*' as a use, but the node does not read it/);

  g = headGraph();
  g.nodes[0].inputs[0].uses.length = 0;
  invalid(t, g, /'input' lists the node 0 time\(s\) as a use, it is read 1 time\(s\)/);

  g = headGraph();
  g.outputs.length = 0;
  invalid(t, g, /no outputs/);

  g = headGraph();
  g.outputs.push(g.constants[0]);
  invalid(t, g, /graph output 'backbone\.conv1\.weight' is not computed/);

  g = headGraph();
  const stray = new Graph();
  const x = stray.addInput('other', [1, 3, 8, 8]);
  const y = stray.add('relu', [x], {});
  g.nodes[2].inputs[0] = y;
  invalid(t, g, /operand 0 'relu:out' is not a graph input, constant or node output of this graph/);
});
