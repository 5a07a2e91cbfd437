import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printGraph } from '../../src/ir/print.js';
import { runPasses } from '../../src/passes/index.js';
import { headGraph } from './graphs.js';

/** Snapshots are compared as text; set UPDATE_SNAPSHOTS=1 to rewrite them (then read the diff). */
function snapshot(t: any, name: string, text: string) {
  const path = fileURLToPath(new URL(`./__snapshots__/${name}.txt`, import.meta.url));
  if (process.env.UPDATE_SNAPSHOTS) writeFileSync(path, text);
  t.is(text, readFileSync(path, 'utf8'));
}

test('printed head graph matches its snapshot', (t) => {
  snapshot(t, 'head-graph', printGraph(headGraph()));
});

test('printed head graph after fold-batchnorm + dead-code matches its snapshot', (t) => {
  const { graph } = runPasses(headGraph(), ['fold-batchnorm', 'dead-code'], { verify: true });
  snapshot(t, 'head-graph-folded', printGraph(graph));
});

test('constant summary mode prints one line for all constants', (t) => {
  const text = printGraph(headGraph(), { constants: 'summary' });
  t.regex(text, /^const 22 tensors, \d+ elements$/m);
  t.notRegex(text, /^const %/m);
});
