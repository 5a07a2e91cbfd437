import test from 'ava';
import { DEFAULT_PASSES, PASSES, runPasses } from '../../src/passes/index.js';
import { headGraph } from '../ir/graphs.js';
import { expectPoseError } from '../helpers/errors.js';

test('every pass is registered under its own name, defaults included', (t) => {
  for (const [k, p] of Object.entries(PASSES)) t.is(p.name, k);
  for (const n of DEFAULT_PASSES) t.truthy(PASSES[n]);
});

test('unknown pass names are refused before anything runs', (t) => {
  const g = headGraph();
  const n = g.nodes.length;
  const e = expectPoseError(t, () => runPasses(g, ['fold-batchnorm', 'fold-bn']));
  t.is(e!.code, 'USAGE');
  t.regex(e!.message, /unknown pass 'fold-bn' \(known: toposort, fold-batchnorm, dead-code\)/);
  t.is(g.nodes.length, n);
});

test('an invalid graph is refused before the first pass when verifying', (t) => {
  const g = headGraph();
  g.nodes.reverse();
  const e = expectPoseError(t, () => runPasses(g, ['dead-code'], { verify: true }));
  t.is(e!.code, 'GRAPH_INVALID');
  // toposort (which needs no valid order) repairs it, then the verified run goes through
  t.deepEqual(
    runPasses(g, ['toposort']).applied.map((a) => [a.name, a.modified]),
    [['toposort', true]],
  );
  const r = runPasses(g, ['toposort', 'fold-batchnorm', 'dead-code'], { verify: true });
  t.deepEqual(
    r.applied.map((a) => [a.name, a.modified]),
    [
      ['toposort', false],
      ['fold-batchnorm', true],
      ['dead-code', false],
    ],
  );
});
