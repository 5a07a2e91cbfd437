/**
 * The repository's test data (test/data, README there): everything the tests, the benches
 * and the demo read besides the committed fixtures. TEST_DATA is the one path constant;
 * the folders below are its parts. Large JSON is committed gzip-compressed (`.json.gz`);
 * readDataJson reads either form.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** The package root: the nearest folder above this file with pose-port's package.json (works from test/ and dist/test/). */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'pose-port') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('pose-port package root not found');
    dir = up;
  }
}

export const ROOT = findRoot();
export const TEST_DATA = join(ROOT, 'test', 'data');

/** zoo manifests, `<model>.json.gz` */
export const MANIFESTS = join(TEST_DATA, 'manifests');
/** MMPose reference outputs, `<model>/{meta.json,output.bin,output_flip.bin}` and the shared `input.bin` */
export const REFERENCES = join(TEST_DATA, 'reference');
/** pipeline spec vectors, `*.json.gz` */
export const VECTORS = join(TEST_DATA, 'vectors');
/** MMPose v0.12.0's mini COCO and MPII test sets (images and annotations) */
export const COCO = join(TEST_DATA, 'datasets', 'coco');
export const MPII = join(TEST_DATA, 'datasets', 'mpii');
/** the zoo seed tables scripts/build-registry.mjs builds the registry from */
export const SEEDS = join(TEST_DATA, 'seeds');

/** Parses a JSON file, gunzipping it when its name ends in `.gz`. */
export function readDataJson(path: string): any {
  const bytes = readFileSync(path);
  return JSON.parse((path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8'));
}

/** A file of test/data named relative to it (as the spec vectors name annotation files). */
export function dataFile(relative: string): string {
  if (relative.startsWith('/') || relative.split('/').includes('..')) throw new Error(`not a path inside test/data: ${relative}`);
  return join(TEST_DATA, relative);
}
