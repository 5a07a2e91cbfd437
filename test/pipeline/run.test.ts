/**
 * `pose-port run` and the top-down inference core on a real COCO image with a converted
 * rsn18_coco_256x192 (make-checkpoint.py weights; megvii decoding, flip test without shift):
 * shapes, determinism, batch independence, ONNX = TF.js, the crops fed to the network
 * equal MMPose's (spec vectors' normalised-tensor sha256), the flip pass, the overlay,
 * detection-file selection, and MODEL_FORMAT errors for artifacts without valid metadata.
 */
import test from 'ava';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { onnx } from '../../src/emit/onnx/proto.js';
import { flipTensorWidth } from '../../src/eval/normalize.js';
import { decodeImage } from '../../src/io/image.js';
import { loadModel, type PoseModel } from '../../src/artifact/model.js';
import { estimatePoses, readDetections, runImage, type PersonPose } from '../../src/pipeline/run.js';
import { TopDownBatcher } from '../../src/pipeline/topdown.js';
import { requireTorch } from '../helpers/ckpt.js';
import { runCli } from '../helpers/cli.js';
import { expectPoseRejection } from '../helpers/errors.js';
import { readVectors } from '../eval/vectors.js';
import { COCO, CROSS_RUNTIME_SCORE_TOL, convertZooRow, maxKeypointDiff, workDir, type Converted } from './converted.js';

const MODEL = 'rsn18_coco_256x192';
const IMAGE = join(COCO, '000000000785.jpg');
const work = workDir('run');
let conv: Converted | undefined;
let onnxModel: PoseModel | undefined;
let tfjsModel: PoseModel | undefined;

test.before(async () => {
  if (!requireTorch()) return;
  conv = await convertZooRow(MODEL, work.dir);
  onnxModel = await loadModel(conv.onnx);
  tfjsModel = await loadModel(conv.tfjs);
});
test.after.always(async () => {
  await onnxModel?.dispose();
  await tfjsModel?.dispose();
  work.cleanup();
});

/** The GT box of image 785 (its only annotation). */
function gtBoxes785(): { bbox: number[]; score: number }[] {
  const gt = JSON.parse(readFileSync(join(COCO, 'test_coco.json'), 'utf8'));
  return gt.annotations.filter((a: any) => a.image_id === 785).map((a: any) => ({ bbox: a.bbox, score: 1 }));
}

/** The first 10 detection boxes of image 785 (two batches of 8: a full one and a partial one). */
function detBoxes785(): { bbox: number[]; score: number }[] {
  const dets = JSON.parse(readFileSync(join(COCO, 'test_coco_det_AP_H_56.json'), 'utf8'));
  return dets.filter((d: any) => d.image_id === 785).slice(0, 10).map((d: any) => ({ bbox: d.bbox, score: d.score }));
}

const flat = (p: PersonPose): number[] => p.keypoints.flat();

test.serial('estimatePoses: one person per box, K keypoints of finite (x, y, score), deterministic', async (t) => {
  if (!onnxModel) return t.pass('PyTorch absent (local run)');
  const boxes = detBoxes785();
  const image = await decodeImage(IMAGE);
  const a = await estimatePoses(onnxModel, image, boxes);
  const b = await estimatePoses(onnxModel, IMAGE, boxes);
  t.is(a.persons.length, boxes.length);
  t.deepEqual(a.image, { width: 640, height: 425 });
  for (const p of a.persons) {
    t.is(p.keypoints.length, 17);
    t.true(p.keypoints.every((k) => k.length === 3 && k.every(Number.isFinite)));
    // the keypoints lie inside the padded crop (center ± scale·100), give or take one heatmap pixel
    // (a channel whose maximum is <= 0 maps heatmap (-1, -1) to just outside the top-left corner)
    const cell = ((p.scale[0] * 200) / 48) * 1.001;
    for (const [x, y] of p.keypoints) {
      t.true(Math.abs(x - p.center[0]) <= p.scale[0] * 100 + cell && Math.abs(y - p.center[1]) <= p.scale[1] * 100 + cell, `${x}, ${y}`);
    }
  }
  t.deepEqual(b.persons, a.persons, 'two runs give identical persons');
});

test.serial('batch size does not change the result (1 vs 8), and the flip test is one extra mirrored pass', async (t) => {
  if (!onnxModel) return t.pass('PyTorch absent (local run)');
  const boxes = detBoxes785();
  const b8 = await estimatePoses(onnxModel, IMAGE, boxes, { batchSize: 8 });
  const b1 = await estimatePoses(onnxModel, IMAGE, boxes, { batchSize: 1 });
  let worst = { px: 0, score: 0 };
  b1.persons.forEach((p, i) => {
    const d = maxKeypointDiff(flat(p), flat(b8.persons[i]));
    worst = { px: Math.max(worst.px, d.px), score: Math.max(worst.score, d.score) };
  });
  t.log(`batch 1 vs 8: max ${worst.px.toExponential(2)} px, score ${worst.score.toExponential(2)}`);
  t.true(worst.px <= 1e-3 && worst.score <= 1e-5);

  // a recording wrapper: the metadata's flip_test makes two calls per batch, the second on the mirrored crops
  const calls: { input: Float32Array; n: number }[] = [];
  const spy: PoseModel = { ...onnxModel, run: async (x, n) => (calls.push({ input: x.slice(), n }), onnxModel!.run(x, n)) };
  t.true(onnxModel.metadata.decode.flip_test);
  await estimatePoses(spy, IMAGE, boxes);
  // 10 boxes at batch 8: [8, 8 mirrored, 2, 2 mirrored]
  t.deepEqual(calls.map((c) => c.n), [8, 8, 2, 2]);
  const [H, W] = onnxModel.inputSize;
  for (const i of [0, 2]) t.deepEqual(calls[i + 1].input, flipTensorWidth(calls[i].input, [calls[i].n, 3, H, W]));
  calls.length = 0;
  const noFlip = await estimatePoses(spy, IMAGE, boxes, { flip: false });
  t.deepEqual(calls.map((c) => c.n), [8, 2]);
  t.notDeepEqual(noFlip.persons.map(flat), b8.persons.map(flat), 'the flip pass changes the keypoints');
});

test.serial("the crops the network gets are MMPose's, bit for bit (spec vectors: normalised tensor sha256)", async (t) => {
  if (!onnxModel) return t.pass('PyTorch absent (local run)');
  const vec = readVectors('affine.json');
  const cases = vec.warps.filter((w: any) => w.output_size_wh[0] === 192 && w.output_size_wh[1] === 256 && w.center_scale_dtype[0] === 'float32');
  t.true(cases.length >= 3, `${cases.length} cases`);
  const batches: Float32Array[] = [];
  const spy: PoseModel = { ...onnxModel, run: async (x, n) => (batches.push(x.slice()), onnxModel!.run(x, n)) };
  const batcher = new TopDownBatcher<number>(spy, { batchSize: cases.length, flip: false });
  const image = await decodeImage(IMAGE);
  const done = [];
  for (let i = 0; i < cases.length; i++) done.push(...(await batcher.add(image, { center: cases[i].center, scale: cases[i].scale, tag: i })));
  done.push(...(await batcher.flush()));
  t.is(done.length, cases.length);
  t.is(batches.length, 1);
  const plane = 3 * 256 * 192;
  cases.forEach((c: any, i: number) => {
    const slice = batches[0].subarray(i * plane, (i + 1) * plane);
    const sha = createHash('sha256').update(Buffer.from(slice.buffer, slice.byteOffset, slice.byteLength)).digest('hex');
    t.is(sha, c.normalized_sha256_f32le_chw, `${c.name} center ${c.center}`);
  });
});

test.serial('ONNX and TF.js give the same keypoints (within 1e-3 px) and scores', async (t) => {
  if (!onnxModel || !tfjsModel) return t.pass('PyTorch absent (local run)');
  t.is(tfjsModel.kind, 'tfjs');
  t.deepEqual(tfjsModel.metadata.flip_pairs, onnxModel.metadata.flip_pairs);
  const boxes = detBoxes785();
  const a = await estimatePoses(onnxModel, IMAGE, boxes);
  const b = await estimatePoses(tfjsModel, IMAGE, boxes);
  let worst = { px: 0, score: 0 };
  a.persons.forEach((p, i) => {
    const d = maxKeypointDiff(flat(p), flat(b.persons[i]));
    worst = { px: Math.max(worst.px, d.px), score: Math.max(worst.score, d.score) };
    t.true(Math.abs(p.score - b.persons[i].score) <= CROSS_RUNTIME_SCORE_TOL);
  });
  t.log(`ONNX vs TF.js (${tfjsModel.runtime}): max ${worst.px.toExponential(2)} px, score ${worst.score.toExponential(2)}`);
  t.true(worst.px <= 1e-3, `${worst.px} px`);
  t.true(worst.score <= CROSS_RUNTIME_SCORE_TOL, `${worst.score}`);
});

test.serial('without boxes the whole image is one person', async (t) => {
  if (!onnxModel) return t.pass('PyTorch absent (local run)');
  const r = await estimatePoses(onnxModel, IMAGE, undefined, { flip: false });
  t.is(r.persons.length, 1);
  t.deepEqual(r.persons[0].bbox, [0, 0, 640, 425]);
  t.deepEqual(r.persons[0].center, [320, 212.5]);
});

test.serial('CLI run: --bbox --json equals the library, --overlay writes a PNG of the image size with the skeleton drawn', async (t) => {
  if (!conv || !onnxModel) return t.pass('PyTorch absent (local run)');
  const box = gtBoxes785()[0].bbox;
  const overlay = join(work.dir, 'overlay.png');
  const r = runCli(['run', conv.onnx, IMAGE, '--bbox', box.join(','), '--overlay', overlay, '--kpt-thr', '0', '--json']);
  t.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  t.is(out.persons.length, 1);
  t.is(out.keypoint_names.length, 17);
  const lib = await estimatePoses(onnxModel, IMAGE, [{ bbox: box }]);
  const d = maxKeypointDiff(out.persons[0].keypoints.flat(), flat(lib.persons[0]));
  t.true(d.px <= 1e-3 && d.score <= 1e-5, JSON.stringify(d));

  const meta = await sharp(overlay).metadata();
  t.is(meta.format, 'png');
  t.is(meta.width, 640);
  t.is(meta.height, 425);
  const drawn = await decodeImage(overlay);
  const orig = await decodeImage(IMAGE);
  let changed = 0;
  for (let i = 0; i < orig.data.length; i += 3) if (orig.data[i] !== drawn.data[i] || orig.data[i + 1] !== drawn.data[i + 1]) changed++;
  t.log(`overlay: ${changed} pixels changed`);
  t.true(changed > 500, `${changed} pixels changed`);
  // nothing drawn far outside the box (the lower-left corner)
  for (let y = 400; y < 425; y++) for (let x = 0; x < 40; x++) t.is(drawn.data[(y * 640 + x) * 3], orig.data[(y * 640 + x) * 3]);

  const text = runCli(['run', conv.onnx, IMAGE, '--bbox', box.join(','), '--no-flip']);
  t.is(text.code, 0, text.stderr);
  t.regex(text.stdout, /1 person\(s\)/);
  t.regex(text.stdout, /left_ankle/);
});

test.serial('runImage (the one API function of CLI run): boxes or a detection file, the overlay written, equal to estimatePoses; usage refused before the model is read', async (t) => {
  if (!conv || !onnxModel) return t.pass('PyTorch absent (local run)');
  const box = gtBoxes785()[0].bbox;
  const overlay = join(work.dir, 'api-overlay.jpg');
  const r = await runImage(conv.onnx, IMAGE, { boxes: [{ bbox: box }], overlay: { file: overlay } });
  t.like(r.model, { file: conv.onnx, kind: 'onnx', dataset: 'coco' });
  t.is(r.keypointNames.length, 17);
  t.is(r.imageFile, IMAGE);
  t.deepEqual(r.image, { width: 640, height: 425 });
  t.is(r.overlay, overlay);
  t.like(await sharp(overlay).metadata(), { format: 'jpeg', width: 640, height: 425 });
  const lib = await estimatePoses(onnxModel, IMAGE, [{ bbox: box }]);
  t.is(r.persons.length, 1);
  const d = maxKeypointDiff(flat(r.persons[0]), flat(lib.persons[0]));
  t.true(d.px <= 1e-3 && d.score <= 1e-5, JSON.stringify(d));

  const detsFile = join(COCO, 'test_coco_det_AP_H_56.json');
  const want = JSON.parse(readFileSync(detsFile, 'utf8')).filter((x: any) => x.image_id === 785 && x.category_id === 1 && x.score >= 0.5);
  const fromDets = await runImage(conv.onnx, IMAGE, { dets: { file: detsFile, minScore: 0.5 }, flip: false });
  t.deepEqual(fromDets.persons.map((p) => p.bboxScore), want.map((x: any) => x.score));

  // refused before the model is read: the missing model file would otherwise be the error
  const missing = join(work.dir, 'no-such-model.onnx');
  t.regex((await expectPoseRejection(t, runImage(missing, IMAGE, { boxes: [{ bbox: box }], dets: { file: detsFile } }), 'USAGE')).message, /--bbox or --dets, not both/);
  t.regex((await expectPoseRejection(t, runImage(missing, IMAGE, { overlay: { file: join(work.dir, 'o.gif') } }), 'USAGE')).message, /cannot tell the image format/);
});

test.serial('CLI run --dets: the entries of this image id, category 1, above --det-thr', async (t) => {
  if (!conv) return t.pass('PyTorch absent (local run)');
  const detsFile = join(COCO, 'test_coco_det_AP_H_56.json');
  const dets = JSON.parse(readFileSync(detsFile, 'utf8'));
  const mine = dets.filter((d: any) => d.image_id === 785 && d.category_id === 1);
  t.true(mine.length > 1);
  t.is(readDetections(detsFile, IMAGE).length, mine.length);
  const thr = 0.5;
  const r = runCli(['run', conv.onnx, IMAGE, '--dets', detsFile, '--det-thr', String(thr), '--no-flip', '--json']);
  t.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  const want = mine.filter((d: any) => d.score >= thr);
  t.is(out.persons.length, want.length);
  t.deepEqual(out.persons.map((p: any) => p.bbox_score), want.map((d: any) => d.score));
  const both = runCli(['run', conv.onnx, IMAGE, '--dets', detsFile, '--bbox', '1,2,3,4']);
  t.is(both.code, 2);
  const bad = runCli(['run', conv.onnx, IMAGE, '--bbox', '1,2,3']);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /x,y,w,h/);
});

test.serial('artifacts without valid pose-port metadata are MODEL_FORMAT errors naming the file', async (t) => {
  if (!conv) return t.pass('PyTorch absent (local run)');
  // ONNX without metadata_props
  const m = onnx.ModelProto.decode(readFileSync(conv.onnx));
  m.metadataProps = [];
  const bare = join(work.dir, 'bare.onnx');
  writeFileSync(bare, onnx.ModelProto.encode(m).finish());
  const e1 = await t.throwsAsync(loadModel(bare));
  t.is((e1 as any).code, 'MODEL_FORMAT');
  t.true(e1!.message.includes(bare), e1!.message);
  const r = runCli(['run', bare, IMAGE]);
  t.is(r.code, 2);
  t.regex(r.stderr, /MODEL_FORMAT.*bare\.onnx/);

  // TF.js whose metadata breaks the schema (dataset) and one without any
  const tdir = join(work.dir, 'tfjs-bad');
  mkdirSync(tdir);
  const srcDir = join(conv.dir, 'tfjs');
  for (const f of readdirSync(srcDir)) if (f !== 'model.json') copyFileSync(join(srcDir, f), join(tdir, f));
  const json = JSON.parse(readFileSync(join(srcDir, 'model.json'), 'utf8'));
  json.userDefinedMetadata.pose_port.dataset = 'posetrack';
  writeFileSync(join(tdir, 'model.json'), JSON.stringify(json));
  const e2 = await t.throwsAsync(loadModel(tdir));
  t.is((e2 as any).code, 'MODEL_FORMAT');
  t.regex(e2!.message, /dataset/);
  t.true(e2!.message.includes(join(tdir, 'model.json')), e2!.message);
  delete json.userDefinedMetadata;
  writeFileSync(join(tdir, 'model.json'), JSON.stringify(json));
  const e3 = await t.throwsAsync(loadModel(join(tdir, 'model.json')));
  t.is((e3 as any).code, 'MODEL_FORMAT');
  t.regex(e3!.message, /no pose-port metadata/);

  const notModel = join(work.dir, 'junk.onnx');
  writeFileSync(notModel, Buffer.from('this is not a protobuf at all \xff\xff\xff\xff'));
  const e4 = await t.throwsAsync(loadModel(notModel));
  t.is((e4 as any).code, 'MODEL_FORMAT');
});
