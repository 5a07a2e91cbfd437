/**
 * Converted artifacts as untrusted input of run / eval / verify (issue 13): a TF.js
 * model.json whose shard paths leave the model directory ('..', absolute, a symlink) or are
 * not strings, shards of the wrong size or of random bytes, edited int32 constants (the
 * max-pool paddings, a deconvolution's output size), metadata out of bounds or disagreeing
 * with the graph, a report.json with a 100000x100000 input or an artifact path leading out,
 * and model paths that are a FIFO or a symlink to /dev/zero. Each must be exit 2 with
 * MODEL_FORMAT (or TRUNCATED) naming the file and the field, quickly, with no hang and no
 * crash. The model is the bundled default checkpoint converted to ONNX and TF.js.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onnx } from '../../src/emit/onnx/proto.js';
import { specBytes, type TfjsModelJson } from '../../src/emit/tfjs/index.js';
import { convertCheckpoint } from '../../src/pipeline/convert.js';
import { mulberry32 } from '../helpers/manifest-tensors.js';
import { ROOT } from '../helpers/ckpt.js';
import { runCli } from '../helpers/cli.js';
import { COCO } from '../helpers/data.js';
import { workDir } from '../pipeline/converted.js';

const CKPT = join(ROOT, 'fixtures', 'default', 'tiny_res_simplebaseline.pth');
const IMAGE = join(COCO, '000000000785.jpg');
const work = workDir('hostile-artifacts');
const good = join(work.dir, 'good');
let n = 0;

test.before(async () => {
  await convertCheckpoint(CKPT, { out: good, formats: ['onnx', 'tfjs'] });
});
test.after.always(() => work.cleanup());

/** A copy of the converted directory, edited by `edit(dir)`. */
function variant(edit: (dir: string) => void): string {
  const dir = join(work.dir, `v${n++}`);
  cpSync(good, dir, { recursive: true });
  edit(dir);
  return dir;
}

const readJson = (f: string) => JSON.parse(readFileSync(f, 'utf8'));
const editModelJson = (dir: string, f: (m: TfjsModelJson) => void) => {
  const file = join(dir, 'tfjs', 'model.json');
  const m = readJson(file);
  f(m);
  writeFileSync(file, JSON.stringify(m));
};

/** The byte offset of weight `name` in the (single) shard. */
function weightOffset(m: TfjsModelJson, name: string): number {
  let at = 0;
  for (const w of m.weightsManifest[0].weights) {
    if (w.name === name) return at;
    at += specBytes(w);
  }
  throw new Error(`no weight ${name}`);
}

function setInt32(dir: string, name: string, values: number[]): void {
  const m = readJson(join(dir, 'tfjs', 'model.json'));
  const shard = join(dir, 'tfjs', m.weightsManifest[0].paths[0]);
  const bytes = readFileSync(shard);
  values.forEach((v, i) => bytes.writeInt32LE(v, weightOffset(m, name) + 4 * i));
  writeFileSync(shard, bytes);
}

function runModel(model: string) {
  return runCli(['run', model, IMAGE, '--json'], { timeoutMs: 60_000 });
}

function refused(t: any, r: ReturnType<typeof runCli>, code: string | RegExp, message: RegExp, key?: string | RegExp) {
  t.is(r.code, 2, r.stderr);
  const e = JSON.parse(r.stdout).error;
  if (typeof code === 'string') t.is(e.code, code);
  else t.regex(e.code, code);
  t.regex(e.message, message);
  if (typeof key === 'string') t.is(e.key, key);
  else if (key) t.regex(e.key, key);
  t.false(/internal error|RuntimeError|at .*\.ts:\d+/.test(r.stderr), r.stderr);
}

test('the unedited conversion runs (the baseline of every case below)', (t) => {
  for (const m of [join(good, 'model.onnx'), join(good, 'tfjs')]) {
    const r = runModel(m);
    t.is(r.code, 0, r.stderr);
  }
});

test('weightsManifest paths: .., absolute, a number, a subdirectory, a symlink leading out: refused naming the field, nothing read outside', (t) => {
  const outside = join(work.dir, 'outside.bin');
  cpSync(join(good, 'tfjs', 'group1-shard1of1.bin'), outside);
  const cases: [unknown, RegExp][] = [
    ['../../outside.bin', /'\.\.' would leave|plain file name/],
    [outside, /is an absolute path/],
    [5, /must be a string naming the weight shard, got number/],
    ['sub/group1-shard1of1.bin', /must be a plain file name in the model directory/],
  ];
  for (const [path, msg] of cases) {
    const dir = variant((d) => editModelJson(d, (m) => (m.weightsManifest[0].paths[0] = path as string)));
    refused(t, runModel(join(dir, 'tfjs')), 'MODEL_FORMAT', msg, 'weightsManifest[0].paths[0]');
  }
  const linked = variant((d) => {
    rmSync(join(d, 'tfjs', 'group1-shard1of1.bin'));
    symlinkSync(outside, join(d, 'tfjs', 'group1-shard1of1.bin'));
  });
  refused(t, runModel(join(linked, 'tfjs')), 'MODEL_FORMAT', /resolves to '.*outside\.bin', outside/, 'weightsManifest[0].paths[0]');
});

test('shards: one byte more, one byte less, a FIFO, /dev/zero: refused against the manifest sizes', (t) => {
  const shardOf = (d: string) => join(d, 'tfjs', 'group1-shard1of1.bin');
  const longer = variant((d) => writeFileSync(shardOf(d), Buffer.concat([readFileSync(shardOf(d)), Buffer.alloc(1)])));
  refused(t, runModel(join(longer, 'tfjs')), 'MODEL_FORMAT', /above the .* limit for a weight shard|the shards hold/);
  const shorter = variant((d) => writeFileSync(shardOf(d), readFileSync(shardOf(d)).subarray(1)));
  refused(t, runModel(join(shorter, 'tfjs')), 'TRUNCATED', /bytes missing/);
  const fifo = variant((d) => {
    rmSync(shardOf(d));
    execFileSync('mkfifo', [shardOf(d)]);
  });
  refused(t, runModel(join(fifo, 'tfjs')), 'MODEL_FORMAT', /the weight shard is a FIFO \(named pipe\), not a regular file/);
  const zero = variant((d) => {
    rmSync(shardOf(d));
    symlinkSync('/dev/zero', shardOf(d));
  });
  refused(t, runModel(join(zero, 'tfjs')), 'MODEL_FORMAT', /resolves to '\/dev\/zero', outside|character device/);
});

test('a random shard of the right size and edited int32 constants: refused by the graph check naming the node, before TF.js runs', (t) => {
  const random = variant((d) => {
    const f = join(d, 'tfjs', 'group1-shard1of1.bin');
    const rnd = mulberry32(13);
    writeFileSync(f, Uint8Array.from(readFileSync(f), () => Math.floor(rnd() * 256)));
  });
  refused(t, runModel(join(random, 'tfjs')), 'MODEL_FORMAT', /^node '.*' \(\w+\): /);
  // the max-pool's paddings [0, 0, t, b, l, r, 0, 0]: 3000 a side (the 4 GB case), then a negative one, then padding the batch
  for (const [values, msg] of [
    [[0, 0, 3000, 3000, 3000, 3000, 0, 0], /paddings \[3000, 3000\] of dimension 1 \(size \d+\) must be within 0\.\.\d+/],
    [[0, 0, -1, 1, 1, 1, 0, 0], /paddings \[-1, 1\] of dimension 1/],
    [[5, 0, 1, 1, 1, 1, 0, 0], /paddings \[5, 0\] of dimension 0 .* within 0\.\.1 before/],
  ] as const) {
    const dir = variant((d) => setInt32(d, 'backbone.maxpool/paddings', [...values]));
    refused(t, runModel(join(dir, 'tfjs')), 'MODEL_FORMAT', msg, 'backbone.maxpool/pad');
  }
  // the crop after a deconvolution's sub-pixel phases: begin [0, t, l, 0], size [-1, h, w, C]
  const crop = (d: string) => {
    const m = readJson(join(d, 'tfjs', 'model.json'));
    const bytes = readFileSync(join(d, 'tfjs', m.weightsManifest[0].paths[0]));
    const at = weightOffset(m, 'keypoint_head.deconv_layers.0/crop_size');
    return [0, 1, 2, 3].map((i) => bytes.readInt32LE(at + 4 * i));
  };
  const [n0, , , c0] = crop(good);
  t.is(n0, -1);
  const huge = variant((d) => setInt32(d, 'keypoint_head.deconv_layers.0/crop_size', [-1, 20000, 20000, c0]));
  refused(t, runModel(join(huge, 'tfjs')), 'MODEL_FORMAT', /begin \d+ and size 20000 of dimension 1 \(size \d+\) are out of bounds/, 'keypoint_head.deconv_layers.0/crop');
  const negative = variant((d) => setInt32(d, 'keypoint_head.deconv_layers.0/crop_begin', [0, -5, 1, 0]));
  refused(t, runModel(join(negative, 'tfjs')), 'MODEL_FORMAT', /begin -5 and size \d+ of dimension 1/);
  // a window attribute in model.json: a max-pool of stride 0
  const stride0 = variant((d) =>
    editModelJson(d, (mj) => {
      const pool = mj.modelTopology.node.find((x) => x.op === 'MaxPool')!;
      pool.attr!.strides = { list: { i: ['1', '0', '0', '1'] } };
    }),
  );
  refused(t, runModel(join(stride0, 'tfjs')), 'MODEL_FORMAT', /strides \["1","0","0","1"\]|strides \[1,0,0,1\] must be \[1, a, b, 1\]/);
});

function setOnnxMetadata(file: string, edit: (meta: any) => void): void {
  const model = onnx.ModelProto.decode(readFileSync(file));
  const entry = model.metadataProps.find((p) => p.key === 'pose_port')!;
  const meta = JSON.parse(String(entry.value));
  edit(meta);
  entry.value = JSON.stringify(meta);
  writeFileSync(file, onnx.ModelProto.encode(model).finish());
}

test('metadata: an input of 20000x20000 is out of bounds; a size disagreeing with the graph is refused naming the field (ONNX and TF.js)', (t) => {
  const huge = variant((d) => {
    setOnnxMetadata(join(d, 'model.onnx'), (m) => (m.input.size_hw = [20000, 20000]));
    editModelJson(d, (m) => ((m.userDefinedMetadata as any).pose_port.input.size_hw = [20000, 20000]));
  });
  refused(t, runModel(join(huge, 'model.onnx')), 'MODEL_FORMAT', /input\.size_hw.*20000 is above the maximum 2048/);
  refused(t, runModel(join(huge, 'tfjs')), 'MODEL_FORMAT', /input\.size_hw.*20000 is above the maximum 2048/);
  const other = variant((d) => {
    setOnnxMetadata(join(d, 'model.onnx'), (m) => (m.input.size_hw = [128, 96]));
    editModelJson(d, (m) => ((m.userDefinedMetadata as any).pose_port.input.size_hw = [128, 96]));
  });
  refused(t, runModel(join(other, 'model.onnx')), 'MODEL_FORMAT', /the graph's input 'input' is \[.*, 3, \d+, \d+\], the metadata's input\.size_hw says \[N, 3, 128, 96\]/, 'input.size_hw');
  refused(t, runModel(join(other, 'tfjs')), 'MODEL_FORMAT', /the graph's input 'input' is \[-1, \d+, \d+, 3\], the metadata's input\.size_hw says \[N, 128, 96, 3\]/, 'input.size_hw');
  const bigHeatmap = variant((d) => setOnnxMetadata(join(d, 'model.onnx'), (m) => (m.heatmap.size_hw = [2000, 2000])));
  refused(t, runModel(join(bigHeatmap, 'model.onnx')), 'MODEL_FORMAT', /heatmap 2000x2000 is larger than the input/);
});

test('a model path that is a FIFO or a symlink to /dev/zero: exit 2 at once (no hang, nothing read), for run and eval', (t) => {
  const fifo = join(work.dir, 'fifo.onnx');
  execFileSync('mkfifo', [fifo]);
  const zero = join(work.dir, 'zero.onnx');
  symlinkSync('/dev/zero', zero);
  const fifoJson = join(work.dir, 'fifo-model.json');
  execFileSync('mkfifo', [fifoJson]);
  for (const [model, msg] of [
    [fifo, /the ONNX model is a FIFO \(named pipe\), not a regular file/],
    [zero, /the ONNX model is a character device, not a regular file/],
    [fifoJson, /the model\.json is a FIFO/],
  ] as const) {
    const t0 = Date.now();
    refused(t, runModel(model), 'MODEL_FORMAT', msg);
    const e = runCli(['eval', model, '--ann', join(COCO, 'test_coco.json'), '--images', COCO, '--json'], { timeoutMs: 60_000 });
    refused(t, e, 'MODEL_FORMAT', msg);
    t.true(Date.now() - t0 < 30_000);
  }
});

test('verify: a report.json with input_size_hw 100000x100000, or an artifact path leading out: exit 2 naming report.json and the field', (t) => {
  const huge = variant((d) => {
    const f = join(d, 'report.json');
    const r = readJson(f);
    r.input_size_hw = [100000, 100000];
    writeFileSync(f, JSON.stringify(r));
  });
  const v = runCli(['verify', CKPT, huge, '--json'], { timeoutMs: 120_000 });
  refused(t, v, 'MODEL_FORMAT', /100000 is above the maximum 2048/);
  t.true(v.stderr.includes(join(huge, 'report.json')));
  const out = variant((d) => {
    const f = join(d, 'report.json');
    const r = readJson(f);
    r.artifacts[0].file = '../../../etc/hostname';
    writeFileSync(f, JSON.stringify(r));
  });
  const o = runCli(['verify', CKPT, out, '--json'], { timeoutMs: 120_000 });
  refused(t, o, 'MODEL_FORMAT', /\$\.artifacts\[0\]\.file: expected one of "model\.onnx", "tfjs\/model\.json", got "\.\.\/\.\.\/\.\.\/etc\/hostname"/);
});
