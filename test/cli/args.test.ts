import test from 'ava';
import { parseArgs, type FlagSpecs } from '../../src/cli/args.js';
import { parseBbox, parseInputSize, parseShard } from '../../src/cli/values.js';
import { expectPoseError } from '../helpers/errors.js';

const SPEC = {
  json: { type: 'boolean', help: '' },
  out: { type: 'string', arg: 'DIR', help: '' },
  seed: { type: 'number', int: true, min: 0, help: '' },
  tol: { type: 'number', min: 0, help: '' },
  bbox: { type: 'string', multiple: true, help: '' },
  backend: { type: 'string', choices: ['cpu', 'wasm'], help: '' },
} as const satisfies FlagSpecs;

test('flags come back typed: booleans false, multiple [], numbers parsed, choices kept', (t) => {
  const none = parseArgs([], SPEC, 'x');
  t.deepEqual(none.flags, { json: false, out: undefined, seed: undefined, tol: undefined, bbox: [], backend: undefined });
  const all = parseArgs(['a', '--json', '--out=o', '--seed', '3', '--tol', '1e-3', '--bbox', '1,2,3,4', '--bbox=5,6,7,8', '--backend', 'wasm', 'b'], SPEC, 'x');
  t.deepEqual(all.positionals, ['a', 'b']);
  t.deepEqual(all.flags, { json: true, out: 'o', seed: 3, tol: 1e-3, bbox: ['1,2,3,4', '5,6,7,8'], backend: 'wasm' });
  // the types follow the spec: these lines compile only if they do
  const seed: number | undefined = all.flags.seed;
  const backend: 'cpu' | 'wasm' | undefined = all.flags.backend;
  const boxes: string[] = all.flags.bbox;
  t.is(`${seed} ${backend} ${boxes.length}`, '3 wasm 2');
});

test('unknown and ill-typed flags are USAGE errors naming the flag', (t) => {
  const usage = (argv: string[], message: RegExp) => {
    t.regex(expectPoseError(t, () => parseArgs(argv, SPEC, 'x'), 'USAGE').message, message);
  };
  usage(['--frob'], /x: unknown option '--frob'/);
  usage(['-f'], /x: unknown option '-f'/);
  usage(['--seed', '1.5'], /x: --seed expects an integer >= 0, got '1\.5'/);
  usage(['--seed', '-1'], /--seed expects an integer >= 0, got '-1'/);
  usage(['--tol', 'tight'], /x: --tol expects a number >= 0, got 'tight'/);
  usage(['--tol='], /--tol expects a number >= 0, got ''/);
  usage(['--backend', 'webgl'], /x: --backend expects cpu or wasm, got 'webgl'/);
  usage(['--json=1'], /option '--json' takes no value/);
  usage(['--out'], /option '--out' needs a value \(DIR\)/);
  usage(['--out', 'a', '--out', 'b'], /option '--out' given twice/);
  usage(['--constructor', 'x'], /unknown option '--constructor'/);
});

const LISTS = {
  format: { type: 'string', list: true, choices: ['onnx', 'tfjs'], help: '' },
  ep: { type: 'string', multiple: true, list: true, help: '' },
} as const satisfies FlagSpecs;

test('list flags: comma-separated items, typed by choices, collected in order; empty items, unknown items and a second non-multiple list refused', (t) => {
  t.deepEqual(parseArgs([], LISTS, 'x').flags, { format: [], ep: [] });
  const a = parseArgs(['--format', 'tfjs, onnx', '--ep', 'cuda,cpu', '--ep=webgpu'], LISTS, 'x');
  t.deepEqual(a.flags, { format: ['tfjs', 'onnx'], ep: ['cuda', 'cpu', 'webgpu'] });
  // the types follow the spec: this line compiles only if they do
  const formats: ('onnx' | 'tfjs')[] = a.flags.format;
  t.is(formats.length, 2);
  const usage = (argv: string[], message: RegExp) => t.regex(expectPoseError(t, () => parseArgs(argv, LISTS, 'x'), 'USAGE').message, message);
  usage(['--format', 'onnx,tflite'], /x: --format expects onnx or tfjs, got 'tflite'/);
  usage(['--format', 'onnx,'], /x: --format expects a comma-separated list of onnx, tfjs without empty items, got 'onnx,'/);
  usage(['--ep', 'cuda,'], /x: --ep expects a comma-separated list without empty items, got 'cuda,'/);
  usage(['--format', 'onnx', '--format', 'tfjs'], /option '--format' given twice/);
});

const VALUES = {
  size: { type: 'value', parse: parseInputSize, help: '' },
  bbox: { type: 'value', parse: parseBbox, multiple: true, help: '' },
  shard: { type: 'value', parse: parseShard, help: '' },
} as const satisfies FlagSpecs;

test('structured values are parsed by their flag (input size, boxes, shard) while the arguments are read; ill-formed ones are USAGE errors', (t) => {
  t.deepEqual(parseArgs([], VALUES, 'x').flags, { size: undefined, bbox: [], shard: undefined });
  const a = parseArgs(['--size', '384x288', '--bbox', '1,2,3,4', '--bbox=5, 6, 7.5, 8', '--shard', '2/4'], VALUES, 'x');
  t.deepEqual(a.flags, { size: [384, 288], bbox: [[1, 2, 3, 4], [5, 6, 7.5, 8]], shard: { index: 2, count: 4 } });
  // the types follow the parsers: these lines compile only if they do
  const size: [number, number] | undefined = a.flags.size;
  const boxes: [number, number, number, number][] = a.flags.bbox;
  const shard: { index: number; count: number } | undefined = a.flags.shard;
  t.is(`${size?.[0]} ${boxes.length} ${shard?.count}`, '384 2 4');
  const usage = (argv: string[], message: RegExp) => t.regex(expectPoseError(t, () => parseArgs(argv, VALUES, 'x'), 'USAGE').message, message);
  usage(['--size', '256x16'], /--input-size expects HEIGHTxWIDTH \(e\.g\. 256x192\), got '256x16'/);
  usage(['--bbox', '1,2,3'], /--bbox expects x,y,w,h \(four numbers\), got '1,2,3'/);
  usage(['--bbox', '1,2,,4'], /--bbox expects x,y,w,h/);
  usage(['--shard', '4/4'], /--shard expects i\/n with 0 <= i < n/);
  usage(['--size', '256x192', '--size', '256x192'], /option '--size' given twice/);
});
