import { PosePortError } from '../core/errors.js';
import { shapeString } from '../core/tensor.js';
import type { Graph } from './graph.js';
import { inferOutput } from './shape.js';
import type { AttrsOf, Node, Op, Value } from './types.js';

/**
 * Checks the graph invariants every pass and emitter relies on, and throws
 * GRAPH_INVALID naming the node or value at fault:
 * - names are unique across inputs, constants, nodes and node outputs;
 * - inputs have no producer and no data; constants have data and no producer;
 * - nodes are in topological order: every operand is a graph input, a listed
 *   constant or the output of an earlier node; each node has one output whose
 *   producer is that node;
 * - use lists match operands exactly (a node appears once per operand position),
 *   and no value is used by a node outside the graph;
 * - the graph has outputs, each produced by a node of the graph (or an input);
 * - every stored shape and element type equals the one re-inferred from the operands;
 * - every constant is read by some node.
 */
export function verifyGraph(graph: Graph): void {
  const fail = (msg: string, key?: string): never => {
    throw new PosePortError('GRAPH_INVALID', msg, key ? { key } : {});
  };
  const names = new Map<string, string>();
  const claim = (name: string, what: string) => {
    const prior = names.get(name);
    if (prior !== undefined) fail(`name '${name}' is used by ${prior} and by ${what}`, name);
    names.set(name, what);
  };

  const available = new Set<Value>();
  for (const v of graph.inputs) {
    claim(v.name, `input '${v.name}'`);
    if (v.producer || v.constant) fail(`input '${v.name}' has a producer or constant data`, v.name);
    available.add(v);
  }
  for (const v of graph.constants) {
    claim(v.name, `constant '${v.name}'`);
    if (v.producer || !v.constant) fail(`constant '${v.name}' has a producer or no data`, v.name);
    if (v.uses.length === 0) fail(`constant '${v.name}' is read by no node`, v.name);
    available.add(v);
  }

  const inGraph = new Set<Node>(graph.nodes);
  for (const node of graph.nodes) {
    const label = `${node.op} '${node.name}'${node.origin ? ` (from '${node.origin}')` : ''}`;
    claim(node.name, label);
    node.inputs.forEach((v, i) => {
      if (!available.has(v))
        fail(
          `${label}: operand ${i} '${v.name}' is ${v.producer && inGraph.has(v.producer) ? 'computed later (not in topological order)' : 'not a graph input, constant or node output of this graph'}`,
          node.name,
        );
      const asOperand = node.inputs.filter((x) => x === v).length;
      const asUse = v.uses.filter((n) => n === node).length;
      if (asOperand !== asUse) fail(`${label}: '${v.name}' lists the node ${asUse} time(s) as a use, it is read ${asOperand} time(s)`, node.name);
    });
    if (node.outputs.length !== 1) fail(`${label}: has ${node.outputs.length} outputs, expected 1`, node.name);
    const out = node.outputs[0];
    if (out.producer !== node) fail(`${label}: output '${out.name}' names another producer`, node.name);
    if (out.constant) fail(`${label}: output '${out.name}' carries constant data`, node.name);
    claim(out.name, `output of ${label}`);
    const inferred = inferOutput(node.op, node.inputs, node.attrs as AttrsOf<Op>, { node: node.name, origin: node.origin });
    if (shapeString(inferred.shape) !== shapeString(out.shape))
      fail(`${label}: stored shape ${shapeString(out.shape)} differs from inferred ${shapeString(inferred.shape)}`, node.name);
    if (inferred.dtype !== out.dtype) fail(`${label}: stored type ${out.dtype} differs from inferred ${inferred.dtype}`, node.name);
    available.add(out);
  }

  for (const v of available)
    for (const n of v.uses) {
      if (!inGraph.has(n)) fail(`'${v.name}' is used by node '${n.name}', which is not in the graph`, v.name);
      if (!n.inputs.includes(v)) fail(`'${v.name}' lists '${n.name}' as a use, but the node does not read it`, v.name);
    }

  if (graph.outputs.length === 0) fail('the graph has no outputs');
  for (const v of graph.outputs)
    if (!available.has(v) || v.constant) fail(`graph output '${v.name}' is not computed by the graph`, v.name);
  if (new Set(graph.outputs).size !== graph.outputs.length) fail('a value is marked as a graph output twice');
}
