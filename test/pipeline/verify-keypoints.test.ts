/**
 * `pose-port verify` on keypoint artifacts (`convert --graph keypoints|crop-keypoints`):
 * every check passes on fresh conversions of the bundled default checkpoint (ONNX and
 * TF.js; keypoints and crop-keypoints; default decoding) and of the same weights with a
 * DARK config (keypoints, heatmaps output) and a megvii config (crop-keypoints), the
 * keypoints check holding both artifacts to the TypeScript pipeline within 0.01 px (DARK,
 * megvii: the well-posed keypoints) with its figures in --json; a TF.js shard or an ONNX
 * initializer changed after conversion fails (exit 1) with the weight named; an
 * unverifiable directory exits 2, and so does evaluating a crop-keypoints artifact;
 * --ann/--images evaluates a keypoint artifact (an rsn18 zoo row) through the artifact.
 */
import test from 'ava';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateJson } from '../../src/core/json-schema.js';
import { convertCheckpoint } from '../../src/pipeline/convert.js';
import type { GraphKind } from '../../src/pipeline/keypoint-artifact.js';
import { REPORT_SCHEMA, verifyArtifacts, type VerifyReport } from '../../src/pipeline/verify.js';
import { makeCheckpoint, readManifest, requireTorch, ROOT } from '../helpers/ckpt.js';
import { runCli } from '../helpers/cli.js';
import { configCheckpoint } from '../helpers/config-ckpt.js';
import { config0x } from '../helpers/mmpose-config-text.js';
import { patchOnnxInitializer, patchTfjsWeight } from '../helpers/tamper.js';
import { check, failed, FILE_AND_WEIGHT_CHECKS, passingVerify, tfjsWeightCaught } from '../helpers/verify-report.js';
import { COCO } from '../helpers/data.js';

const TINY = join(ROOT, 'fixtures', 'default', 'tiny_res_simplebaseline.pth');
const work = mkdtempSync(join(tmpdir(), 'pose-port-verify-kp-'));
test.after.always(() => rmSync(work, { recursive: true, force: true }));

const conversions = new Map<string, Promise<string>>();
/** One conversion (ONNX + TF.js) per name, shared by the tests; tamper tests work on a copy. */
function converted(name: string, ckpt: string, graph: GraphKind, heatmapsOutput = false): Promise<string> {
  let p = conversions.get(name);
  if (!p) {
    const out = join(work, name);
    p = convertCheckpoint(ckpt, { out, formats: ['onnx', 'tfjs'], graph, heatmapsOutput }).then(() => out);
    conversions.set(name, p);
  }
  return p;
}

/** The tiny default weights with an MMPose 0.12 config naming `post_process` (PyTorch writes the file). */
function withDecoding(postProcess: 'unbiased' | 'megvii', kernel: number): string {
  const man = {
    ...readManifest('res50_coco_256x192_dark'),
    pretrained: null,
    backbone: { type: 'ResNet', depth: null, base_channels: 8 },
    head: { type: 'TopDownSimpleHead', in_channels: 256, out_channels: 17, num_deconv_filters: [32, 32, 32] },
  };
  return configCheckpoint({ base: { pth: TINY }, metaKey: 'config', text: config0x(man, { form: 'file', version: '0.12', testCfg: { post_process: postProcess, modulate_kernel: kernel } }) });
}


const CHECKS = [...FILE_AND_WEIGHT_CHECKS, 'onnx-vs-rebuilt', 'keypoints'];

/** The keypoints check's figures: every judged keypoint within the bound for both artifacts, scores too. */
function assertKeypoints(t: import('ava').ExecutionContext, r: VerifyReport, method: string) {
  const k = check(r, 'keypoints');
  const f = k.figures!;
  t.log(`${method}: ${k.detail}`);
  t.is(f.bound_px, 0.01);
  t.is(f.keypoints, 4 * 17);
  for (const a of ['onnx', 'tfjs']) {
    t.true((f[`${a}_max_px`] as number) <= 0.01, `${a}: ${f[`${a}_max_px`]} px`);
    t.true((f[`${a}_median_px`] as number) <= 0.01, `${a}: median ${f[`${a}_median_px`]} px`);
    t.true((f[`${a}_score_max_abs`] as number) <= 1e-4, `${a}: scores ${f[`${a}_score_max_abs`]}`);
  }
  // every decoding excludes only the ill-posed keypoints
  t.is(f.judged, 68 - (f.ill_posed as number));
  t.true((f.ill_posed as number) < 68 / 4, `${f.ill_posed} ill-posed`);
}

test.serial('keypoints graph, default decoding: every check passes (CLI, exit 0, --json with the keypoints figures, valid against the schema)', async (t) => {
  const dir = await converted('kp', TINY, 'keypoints');
  const v = passingVerify(t, TINY, dir, REPORT_SCHEMA);
  t.deepEqual(
    v.checks.map((c) => c.name),
    CHECKS,
  );
  t.is(v.input.image?.file, 'fixtures/verify/000000000785.jpg');
  t.deepEqual([v.input.image?.width, v.input.image?.height], [640, 425]);
  t.is(v.input.image?.boxes.length, 4);
  t.regex(check(v, 'architecture').detail, /wrapped as the 'keypoints' graph/);
  t.regex(check(v, 'onnx-weights').detail, /all \d+ initializers/);
  assertKeypoints(t, v, 'default');
  const text = runCli(['verify', TINY, dir]);
  t.is(text.code, 0, text.stderr);
  t.regex(text.stdout, /ok {4}keypoints +vs the TypeScript pipeline on the checkpoint \(default decoding; (all 68 keypoints|the \d+ well-posed of 68 keypoints \(\d+ ill-posed\)) within 0\.01 px/);
});

test.serial('crop-keypoints graph (crops cut by the TypeScript pipeline): every check passes', async (t) => {
  const dir = await converted('crop', TINY, 'crop-keypoints');
  const v = await verifyArtifacts(TINY, dir);
  t.deepEqual(failed(v), []);
  t.deepEqual(
    v.checks.map((c) => c.name),
    CHECKS,
  );
  t.regex(check(v, 'architecture').detail, /wrapped as the 'crop-keypoints' graph/);
  assertKeypoints(t, v, 'default');
});

test.serial('DARK settings (keypoints graph with the heatmaps output) and megvii (crop-keypoints): every check passes, ill-posed keypoints reported', async (t) => {
  if (!requireTorch()) return t.pass('PyTorch absent (local run)');
  const dark = withDecoding('unbiased', 11);
  const dir = await converted('dark', dark, 'keypoints', true);
  const v = await verifyArtifacts(dark, dir);
  t.deepEqual(failed(v), []);
  t.is(check(v, 'config-settings').ok, true);
  t.regex(check(v, 'onnx-vs-rebuilt').detail, /heatmaps \[4x17x64x48\]/);
  t.regex(check(v, 'keypoints').detail, /unbiased decoding; the \d+ well-posed of 68 keypoints/);
  assertKeypoints(t, v, 'unbiased');

  const megvii = withDecoding('megvii', 5);
  const mdir = await converted('megvii', megvii, 'crop-keypoints');
  const m = await verifyArtifacts(megvii, mdir);
  t.deepEqual(failed(m), []);
  assertKeypoints(t, m, 'megvii');
});

test.serial('a TF.js weight of a keypoint artifact changed in its shard (sizes kept): exit 1, tfjs-weights names it', async (t) => {
  const base = await converted('kp', TINY, 'keypoints');
  const dir = join(work, 'kp-tfjs-patched');
  cpSync(base, dir, { recursive: true });
  const name = patchTfjsWeight(dir, 2, 5);
  const r = runCli(['verify', TINY, dir, '--json']);
  t.is(r.code, 1, r.stdout + r.stderr);
  const v = JSON.parse(r.stdout) as VerifyReport;
  t.is(validateJson(REPORT_SCHEMA, v), null);
  tfjsWeightCaught(t, v, name, 5);
  t.log(`failed: ${failed(v).join(', ')}; keypoints: ${check(v, 'keypoints').detail}`);
  const text = runCli(['verify', TINY, dir]);
  t.is(text.code, 1);
  t.regex(text.stdout, /FAIL {2}tfjs-weights/);
});

test.serial('an ONNX initializer of a keypoint model.onnx changed, report.json sha256 edited to match: exit 1, onnx-weights names it', async (t) => {
  const base = await converted('crop', TINY, 'crop-keypoints');
  const dir = join(work, 'crop-onnx-patched');
  cpSync(base, dir, { recursive: true });
  const target = patchOnnxInitializer(dir, 2, 11);
  t.not(target.now, target.old);
  const r = runCli(['verify', TINY, dir, '--json']);
  t.is(r.code, 1, r.stdout + r.stderr);
  const v = JSON.parse(r.stdout) as VerifyReport;
  t.true(check(v, 'artifact-sha256:model.onnx').ok, 'the edited report hides the change from the checksum');
  t.true(check(v, 'tfjs-weights').ok);
  const w = check(v, 'onnx-weights');
  t.false(w.ok);
  t.deepEqual(w.mismatches, [target.name]);
  t.regex(w.detail, /1 initializers differ.*\(1 of \d+ values, first at 11/);
  t.log(`failed: ${failed(v).join(', ')}; keypoints: ${check(v, 'keypoints').detail}`);
});

test.serial('a keypoint directory that cannot be verified exits 2 naming the file; a crop-keypoints artifact cannot be evaluated (exit 2)', async (t) => {
  const base = await converted('kp', TINY, 'keypoints');
  const dir = join(work, 'kp-no-onnx');
  cpSync(base, dir, { recursive: true });
  rmSync(join(dir, 'model.onnx'));
  const r = runCli(['verify', TINY, dir]);
  t.is(r.code, 2, r.stdout + r.stderr);
  t.regex(r.stderr, /artifact 'model\.onnx' listed in report\.json is missing/);
  // a crop-keypoints artifact takes crops: there is no evaluation of it to compare with a zoo row
  const crop = runCli(['verify', TINY, await converted('crop', TINY, 'crop-keypoints'), '--ann', 'a.json', '--images', 'img']);
  t.is(crop.code, 2);
  t.regex(crop.stderr, /USAGE.*'crop-keypoints' artifact, which takes crops, not images/);
  const none = runCli(['verify', TINY, join(work, 'nowhere')]);
  t.is(none.code, 2);
  t.regex(none.stderr, /is not a directory/);
});

test.serial('--ann/--images on a keypoint artifact (rsn18 zoo row, megvii): the evaluation runs through the artifact, every other check passes', async (t) => {
  if (!requireTorch()) return t.pass('PyTorch absent (local run)');
  const model = 'rsn18_coco_256x192';
  const ckpt = makeCheckpoint(model);
  const evaluate = { ann: join(COCO, 'test_coco.json'), images: COCO, tolerance: 1 };
  const persons: number[] = [];
  for (const graph of ['heatmaps', 'keypoints'] as const) {
    const dir = join(work, `zoo-${graph}`);
    await convertCheckpoint(ckpt, { out: dir, zoo: model, formats: ['onnx'], inputSize: [64, 64], graph });
    // random make-checkpoint weights at 64x64 are no trained model (AP 0 either way): a bound of a whole AP lets the measurement pass
    const v = await verifyArtifacts(ckpt, dir, { evaluate });
    t.deepEqual(failed(v), [], `${graph}: ${v.checks.map((c) => `${c.name}: ${c.detail}`).join('\n')}`);
    persons.push(Number(check(v, 'eval').figures!.persons));
    if (graph === 'keypoints') t.log(check(v, 'keypoints').detail);
  }
  t.true(persons[0] > 0);
  t.is(persons[1], persons[0], 'the keypoint artifact is evaluated on the same persons');
});
