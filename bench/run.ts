/**
 * `npm run bench [-- PART ...]`: runs the benchmark parts (reader, convert, inference, tfjs, eval, keypoints, eval-memory;
 * all by default) and prints each measurement with its ratio against the baseline
 * measured in the same run. Results are also written to .cache/bench/latest.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../test/helpers/ckpt.js';

type Part = { name: string; run: () => Promise<unknown> };

const PARTS: Part[] = [
  { name: 'reader', run: async () => (await import('./reader.js')).benchReader() },
  { name: 'convert', run: async () => (await import('./convert.js')).benchConvert() },
  { name: 'inference', run: async () => (await import('./inference.js')).benchInference() },
  { name: 'tfjs', run: async () => (await import('./tfjs.js')).benchTfjs() },
  { name: 'eval', run: async () => (await import('./eval.js')).benchEval() },
  { name: 'eval-memory', run: async () => (await import('./eval-memory.js')).benchEvalMemory() },
  { name: 'keypoints', run: async () => (await import('./keypoints.js')).benchKeypoints() },
];

const wanted = process.argv.slice(2);
for (const w of wanted)
  if (!PARTS.some((p) => p.name === w)) {
    console.error(`bench: unknown part '${w}' (parts: ${PARTS.map((p) => p.name).join(', ')})`);
    process.exit(2);
  }
const results: Record<string, unknown> = { date: new Date().toISOString(), node: process.version };
for (const part of PARTS) {
  if (wanted.length && !wanted.includes(part.name)) continue;
  console.log(`\n== ${part.name} ==`);
  const t = performance.now();
  results[part.name] = await part.run();
  console.log(`(${part.name}: ${((performance.now() - t) / 1000).toFixed(1)} s)`);
}
const dir = join(ROOT, '.cache', 'bench');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'latest.json'), JSON.stringify(results, null, 2));
console.log(`\nwrote ${join(dir, 'latest.json')}`);
