import type { Graph } from '../ir/graph.js';

/** What a pass returns: the graph (the same object, changed in place) and whether it changed. */
export interface PassResult {
  readonly graph: Graph;
  readonly modified: boolean;
}

/**
 * A graph-to-graph transformation. Every pass requires a verified graph
 * (src/ir/verify.ts) and leaves one; its doc comment states what else it promises.
 */
export interface Pass {
  readonly name: string;
  /** one line, for reports and `--help` */
  readonly summary: string;
  run(graph: Graph): PassResult;
}
