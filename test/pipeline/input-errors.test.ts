/**
 * Input at fault is exit 2 with a typed error naming the file and the field, never exit
 * 3 (a stack trace) and never exit 0 with a wrong output: batch sizes past memory, boxes
 * past float32's pixels, detections with non-numbers, output paths that cannot be
 * written (checked before the work: the error names the flag, and a later failure
 * would name something else), memory running out, onnxruntime failing to run (the
 * mapping is tested on onnxruntime's and V8's messages: a real out-of-memory under an
 * address-space limit kills tsx's or onnxruntime's threads first, so it cannot be
 * provoked reliably). On the
 * bundled default checkpoint converted once (no PyTorch).
 */
import test from 'ava';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFailure } from '../../src/artifact/model.js';
import { environmentError } from '../../src/cli/main.js';
import { convertCheckpoint } from '../../src/pipeline/convert.js';
import { ROOT } from '../helpers/ckpt.js';
import { runCli } from '../helpers/cli.js';
import { expectPoseRejection } from '../helpers/errors.js';

const CKPT = join(ROOT, 'fixtures', 'default', 'tiny_res_simplebaseline.pth');
const COCO = join(ROOT, 'test', 'data', 'datasets', 'coco');
const IMAGE = join(COCO, '000000000785.jpg');
const ANN = join(COCO, 'test_coco.json');
const work = mkdtempSync(join(tmpdir(), 'pose-port-input-errors-'));
const model = join(work, 'm', 'model.onnx');
test.before(async () => {
  await convertCheckpoint(CKPT, { out: join(work, 'm') });
});
test.after.always(() => rmSync(work, { recursive: true, force: true }));

/** runs the CLI with --json, expects exit 2, returns the error object and stderr */
function exit2(args: string[], env?: NodeJS.ProcessEnv): { error: { code: string; message: string; file?: string; key?: string }; stderr: string } {
  const r = runCli([...args, '--json'], { env });
  if (r.code !== 2) throw new Error(`exit ${r.code}, expected 2: ${r.stderr}`);
  if (/internal error|at .*\.ts:\d+/.test(r.stderr)) throw new Error(`a stack trace: ${r.stderr}`);
  return { error: JSON.parse(r.stdout).error, stderr: r.stderr };
}

test('convert --all-outputs on a single-head family is a usage error naming the family, nothing written', (t) => {
  const out = join(work, 'all-outputs');
  const { error } = exit2(['convert', CKPT, '--all-outputs', '--out', out]);
  t.is(error.code, 'USAGE');
  t.regex(error.message, /--all-outputs exports the stage\/unit heatmaps of multi-stage heads \(RSN, MSPN\); this resnet checkpoint has one head output/);
  t.is(error.file, CKPT);
  t.throws(() => readdirSync(out));
});

test('run --batch 100000 is a usage error naming the tensor it would need', (t) => {
  const { error } = exit2(['run', model, IMAGE, '--batch', '100000']);
  t.is(error.code, 'USAGE');
  t.regex(error.message, /batch size 100000 needs a 54\.9 GiB input tensor \(100000 x 3 x 256 x 192 float32\); at most 1820 fit/);
});

test('boxes past 2^24 pixels or not numbers are refused naming the box and its field (no NaN keypoints with exit 0)', (t) => {
  const big = exit2(['run', model, IMAGE, '--bbox', '1e308,1e308,1e308,1e308']);
  t.is(big.error.code, 'ANNOTATION_FORMAT');
  t.regex(big.error.message, /box 0: bbox x = 1e\+308 is beyond 16777216 pixels/);
  const dets = join(work, 'dets-run.json');
  writeFileSync(dets, JSON.stringify([{ bbox: [1, 2, 30, 40], score: 1 }, { bbox: [1, '2', 30, 40], score: 1 }]));
  const bad = exit2(['run', model, IMAGE, '--dets', dets]);
  t.like(bad.error, { code: 'ANNOTATION_FORMAT', file: dets, key: '[1].bbox' });
  t.regex(bad.error.message, /box 1: bbox y must be a finite number, got "2"/);
});

test('eval: a detection with a non-numeric box is refused naming the detection file and the field', (t) => {
  const gt = JSON.parse(readFileSync(ANN, 'utf8')) as { images: { id: number }[] };
  const dets = join(work, 'dets-eval.json');
  writeFileSync(dets, JSON.stringify([{ image_id: gt.images[0].id, category_id: 1, bbox: [0, 0, null, 10], score: 0.9 }]));
  const { error } = exit2(['eval', model, '--ann', ANN, '--images', COCO, '--dets', dets]);
  t.like(error, { code: 'ANNOTATION_FORMAT', file: dets, key: '[0].bbox' });
  t.regex(error.message, /detection 0: bbox w must be a finite number, got null/);
});

test('output paths are checked before the work: --results a directory, --overlay in a missing directory or on a directory', (t) => {
  const resultsDir = join(work, 'results.json');
  mkdirSync(resultsDir);
  const empty = join(work, 'no-images');
  mkdirSync(empty);
  // with no images the evaluation would fail on its first image: the --results error shows the check came first
  const r = exit2(['eval', model, '--ann', ANN, '--images', empty, '--results', resultsDir]);
  t.like(r.error, { code: 'IO', file: resultsDir });
  t.regex(r.error.message, /--results: '.*results\.json' is a directory, a file is written there/);
  const o1 = exit2(['run', model, IMAGE, '--overlay', join(work, 'missing', 'x.png')]);
  t.regex(o1.error.message, /--overlay: the directory '.*missing' does not exist/);
  const pngDir = join(work, 'dir.png');
  mkdirSync(pngDir);
  const o2 = exit2(['run', model, IMAGE, '--overlay', pngDir]);
  t.regex(o2.error.message, /--overlay: '.*dir\.png' is a directory/);
  t.deepEqual(readdirSync(pngDir), []);
});

test('convert --input-size past the metadata bound is a usage error before any work', async (t) => {
  const steps: string[] = [];
  const e = await expectPoseRejection(t, convertCheckpoint(CKPT, { out: join(work, 'big'), inputSize: [100000, 100000], onStep: (s) => steps.push(s) }));
  t.is(e!.code, 'USAGE');
  t.regex(e!.message, /input size 100000x100000: each side must be an integer from 32 to 2048/);
  t.deepEqual(steps, []);
  t.deepEqual(readdirSync(work).filter((n) => n.includes('big')), []);
});

test('onnxruntime failures while running: out of memory is RESOURCE_LIMIT (try a smaller --batch), anything else the model\'s', (t) => {
  const oom = runFailure('m.onnx', new Error('Failed to allocate memory for requested buffer of size 603979776'), 512, 256, 192);
  t.is(oom.code, 'RESOURCE_LIMIT');
  t.regex(oom.message, /onnxruntime ran out of memory running a batch of 512 at 256x192 .*try a smaller --batch/);
  t.is(runFailure('m.onnx', new Error('std::bad_alloc'), 8, 256, 192).code, 'RESOURCE_LIMIT');
  const other = runFailure('m.onnx', new Error('Non-zero status code returned while running Conv node'), 8, 256, 192);
  t.is(other.code, 'MODEL_FORMAT');
  t.is(other.file, 'm.onnx');
});

test('errors of the machine that reach the CLI untyped (memory, a full disk) become exit-2 errors, not internal ones', (t) => {
  const mem = environmentError(new RangeError('Array buffer allocation failed'));
  t.is(mem?.code, 'RESOURCE_LIMIT');
  const full = environmentError(Object.assign(new Error("ENOSPC: no space left on device, write"), { code: 'ENOSPC', syscall: 'write', path: '/x/model.onnx' }));
  t.like(full, { code: 'IO', file: '/x/model.onnx', details: { errno: 'ENOSPC', syscall: 'write' } });
  t.is(environmentError(new TypeError('x is undefined')), undefined, 'a bug stays an internal error (exit 3)');
});
