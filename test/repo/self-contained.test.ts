/**
 * A clone is self-contained: no file of the repository's code, tests, benches, scripts,
 * docs, demo, fixtures or CI names the project machines' data folder that sits beside the
 * checkout (by a relative route up out of the repository, by its absolute location, by the
 * environment variable that used to point at it, or by its subfolders), and the test data
 * the README weighs is what test/data holds. Everything the tests read is in test/data.
 */
import test from 'ava';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ROOT, TEST_DATA } from '../helpers/data.js';

/** Folders scanned whole, and single files at the root. */
const FOLDERS = ['src', 'test', 'bench', 'scripts', 'docs', 'demo', 'fixtures', 'schemas', '.ci', 'bin'];
const ROOT_FILES = ['README.md', 'package.json', 'tsconfig.json'];
/** Contents never text (images, tensors, checkpoints, models). */
const BINARY = new Set(['.bin', '.jpg', '.jpeg', '.png', '.pth', '.onnx', '.wasm', '.pb']);

const OUTSIDE = 'shar' + 'ed'; // spelled apart so this file does not name it
const SUBFOLDERS = '(?:bin|data|zoo|spec|seeds|hooks)';
/** Each way a path can reach the folder beside the checkout. */
const ROUTES: [string, RegExp][] = [
  ['a relative route up to it', new RegExp(`\\.\\.[\\\\/](?:\\.\\.[\\\\/])*${OUTSIDE}\\b`)],
  ["path segments '..', then its name", new RegExp(`['"\`]\\.\\.['"\`]\\s*,\\s*['"\`]${OUTSIDE}['"\`]`)],
  ['its absolute location', new RegExp(`/work/${OUTSIDE}\\b`)],
  ['the environment variable that pointed at it', new RegExp(`POSE_PORT_${OUTSIDE.toUpperCase()}`)],
  ['one of its subfolders', new RegExp(`\\b${OUTSIDE}[\\\\/]${SUBFOLDERS}\\b`)],
  ['its name, then a subfolder, as path segments', new RegExp(`['"\`]${OUTSIDE}['"\`]\\s*,\\s*['"\`]${SUBFOLDERS}['"\`]`)],
];

/** The routes a text names, as `line N: route (text)`. */
function outsideRoutes(text: string): string[] {
  const found: string[] = [];
  text.split('\n').forEach((line, i) => {
    for (const [what, re] of ROUTES) {
      const m = re.exec(line);
      if (m) found.push(`line ${i + 1}: ${what} (${m[0]})`);
    }
  });
  return found;
}

function* files(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) yield* files(path);
    else if (e.isFile()) yield path;
  }
}

/** The text of a repository file, gunzipped when it is `.gz`; null for binary content. */
function text(path: string): string | null {
  if (BINARY.has(extname(path).toLowerCase())) return null;
  let bytes = readFileSync(path);
  if (path.endsWith('.gz')) bytes = gunzipSync(bytes);
  return bytes.includes(0) ? null : bytes.toString('utf8');
}

test('the route patterns catch each way of naming the outside folder, and nothing else', (t) => {
  const up = '..';
  const named = [
    `join(ROOT, '${up}', '${OUTSIDE}', 'zoo')`,
    `readFileSync('${up}/${OUTSIDE}/zoo/manifests/x.json')`,
    `see \`${up}/${up}/${OUTSIDE}/spec/topdown-eval.md\``,
    `const D = '/work/${OUTSIDE}';`,
    `process.env.POSE_PORT_${OUTSIDE.toUpperCase()}`,
    `"gt_file": "${OUTSIDE}/data/coco/test_coco.json"`,
    `join(base, '${OUTSIDE}', 'data')`,
    `c:\\x\\${up}\\${OUTSIDE}\\data`,
  ];
  for (const line of named) t.true(outsideRoutes(line).length > 0, line);
  const innocent = [
    `src/arch/ resnet, hrnet, rsn, mspn builders and their ${OUTSIDE} blocks`,
    `the ${OUTSIDE} top-down core`,
    `mmpose/datasets/pipelines/{loading,top_down_transform,${OUTSIDE}_transform}.py`,
    `HashTable attrs: ${OUTSIDE}_name`,
    `readFileSync(join(TEST_DATA, 'datasets', 'coco', 'test_coco.json'))`,
  ];
  for (const line of innocent) t.deepEqual(outsideRoutes(line), [], line);
});

test('no file of the repository names a folder outside it', (t) => {
  const paths = [...FOLDERS.flatMap((f) => [...files(join(ROOT, f))]), ...ROOT_FILES.map((f) => join(ROOT, f))];
  let scanned = 0;
  const offenders: string[] = [];
  for (const path of paths) {
    const body = text(path);
    if (body === null) continue;
    scanned++;
    for (const hit of outsideRoutes(body)) offenders.push(`${relative(ROOT, path)} ${hit}`);
  }
  t.true(scanned > 200, `${scanned} text files scanned`);
  t.deepEqual(offenders, []);
});

test("the README's weight of the test data is what test/data holds (within 5%)", (t) => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const m = /test data\s+\(`test\/data\/`[^)]*\)\s+weighs\s+([\d.]+) MB/.exec(readme);
  if (!m) return t.fail('README.md does not say how much test/data weighs');
  const bytes = [...files(TEST_DATA)].reduce((sum, f) => sum + statSync(f).size, 0);
  const stated = Number(m[1]) * 1e6;
  t.true(Math.abs(bytes - stated) <= 0.05 * bytes, `README says ${m[1]} MB, test/data holds ${(bytes / 1e6).toFixed(2)} MB`);
});
