import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/types.js';
import type { Pass } from './pass.js';

/**
 * dead-code: removes every node none of whose outputs reaches a graph output, then
 * every constant no remaining node reads. Requires a verified graph; leaves one in
 * which every node contributes to an output and every constant is read. Node order
 * is kept. modified: something was removed.
 */
export const deadCode: Pass = {
  name: 'dead-code',
  summary: 'remove nodes that reach no output and constants nobody reads',
  run(graph: Graph) {
    const live = new Set<Node>();
    const stack = graph.outputs.map((v) => v.producer).filter((n): n is Node => n !== null);
    while (stack.length) {
      const n = stack.pop()!;
      if (live.has(n)) continue;
      live.add(n);
      for (const v of n.inputs) if (v.producer && !live.has(v.producer)) stack.push(v.producer);
    }
    let removed = 0;
    // reverse order: a dead node's users are dead too and are removed first
    for (let i = graph.nodes.length - 1; i >= 0; i--) {
      const n = graph.nodes[i];
      if (live.has(n)) continue;
      graph.removeNode(n);
      removed++;
    }
    removed += graph.pruneConstants();
    return { graph, modified: removed > 0 };
  },
};
