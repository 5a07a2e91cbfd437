import { PosePortError } from '../core/errors.js';
import type { Graph } from '../ir/graph.js';
import { verifyGraph } from '../ir/verify.js';
import { deadCode } from './dead-code.js';
import { foldBatchNorm } from './fold-batchnorm.js';
import type { Pass } from './pass.js';
import { toposort } from './toposort.js';

/** Every pass by name. */
export const PASSES: Readonly<Record<string, Pass>> = {
  [toposort.name]: toposort,
  [foldBatchNorm.name]: foldBatchNorm,
  [deadCode.name]: deadCode,
};

/** The passes `pose-port convert` runs by default, in order. */
export const DEFAULT_PASSES: readonly string[] = ['fold-batchnorm', 'dead-code'];

export interface AppliedPass {
  readonly name: string;
  readonly modified: boolean;
  /** wall time of the pass itself (verification excluded) */
  readonly ms: number;
  /** node count after the pass */
  readonly nodes: number;
}

export interface RunPassesResult {
  readonly graph: Graph;
  readonly applied: AppliedPass[];
}

/**
 * Runs the named passes in order. Unknown names are refused (USAGE) before anything
 * runs. With `verify`, the graph is verified before the first pass and after every
 * pass; a failure after a pass is reported as GRAPH_INVALID naming the pass.
 */
export function runPasses(graph: Graph, names: readonly string[], opts: { verify?: boolean } = {}): RunPassesResult {
  const passes = names.map((n) => {
    const p = PASSES[n];
    if (!p) throw new PosePortError('USAGE', `unknown pass '${n}' (known: ${Object.keys(PASSES).join(', ')})`);
    return p;
  });
  if (opts.verify) verifyGraph(graph);
  const applied: AppliedPass[] = [];
  for (const p of passes) {
    const t0 = performance.now();
    const r = p.run(graph);
    const ms = performance.now() - t0;
    graph = r.graph;
    if (opts.verify) {
      try {
        verifyGraph(graph);
      } catch (e) {
        if (e instanceof PosePortError)
          throw new PosePortError('GRAPH_INVALID', `after pass '${p.name}': ${e.message}`, { key: e.key, details: e.details });
        throw e;
      }
    }
    applied.push({ name: p.name, modified: r.modified, ms, nodes: graph.nodes.length });
  }
  return { graph, applied };
}
