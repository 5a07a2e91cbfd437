import { PosePortError } from '../core/errors.js';
import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/types.js';
import type { Pass } from './pass.js';

/**
 * toposort: reorders nodes so every node comes after the producers of its operands,
 * keeping the current order wherever it is already valid (a stable Kahn's algorithm:
 * among ready nodes, the earliest first). Throws GRAPH_INVALID naming a node on a
 * cycle. Requires consistent producer/uses links (not a valid order: that is what
 * it makes). modified: the order changed.
 */
export const toposort: Pass = {
  name: 'toposort',
  summary: 'order nodes topologically, keeping the existing order where valid',
  run(graph: Graph) {
    const index = new Map<Node, number>(graph.nodes.map((n, i) => [n, i]));
    const pending = new Map<Node, number>();
    for (const n of graph.nodes)
      pending.set(n, new Set(n.inputs.filter((v) => v.producer && index.has(v.producer)).map((v) => v.producer)).size);
    // a binary heap keyed by original position
    const heap: Node[] = [];
    const less = (a: Node, b: Node) => index.get(a)! < index.get(b)!;
    const push = (n: Node) => {
      heap.push(n);
      for (let i = heap.length - 1; i > 0; ) {
        const p = (i - 1) >> 1;
        if (!less(heap[i], heap[p])) break;
        [heap[i], heap[p]] = [heap[p], heap[i]];
        i = p;
      }
    };
    const pop = (): Node => {
      const top = heap[0];
      const last = heap.pop()!;
      if (heap.length) {
        heap[0] = last;
        for (let i = 0; ; ) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < heap.length && less(heap[l], heap[m])) m = l;
          if (r < heap.length && less(heap[r], heap[m])) m = r;
          if (m === i) break;
          [heap[i], heap[m]] = [heap[m], heap[i]];
          i = m;
        }
      }
      return top;
    };
    for (const [n, k] of pending) if (k === 0) push(n);
    const order: Node[] = [];
    while (heap.length) {
      const n = pop();
      order.push(n);
      const users = new Set(n.outputs.flatMap((o) => o.uses));
      for (const u of users) {
        if (!pending.has(u)) continue;
        const k = pending.get(u)! - 1;
        pending.set(u, k);
        if (k === 0) push(u);
      }
    }
    if (order.length !== graph.nodes.length) {
      const stuck = graph.nodes.find((n) => pending.get(n)! > 0)!;
      throw new PosePortError('GRAPH_INVALID', `cycle through ${stuck.op} '${stuck.name}'`, { key: stuck.name });
    }
    const modified = order.some((n, i) => n !== graph.nodes[i]);
    graph.nodes = order;
    return { graph, modified };
  },
};
