/**
 * A checkpoint whose keypoint count matches no built-in dataset converts when its config
 * names the keypoints (dataset_info: names, swap partners, skeleton, sigmas): the
 * artifact carries them, `run` draws them, `eval` scores with the config's sigmas and
 * refuses clearly when the config records none. The checkpoint is the bundled small
 * ResNet cut to 5 heatmap channels, with a v0.29-style pretty_text config.
 */
import test from 'ava';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateOnnx } from '../../src/emit/onnx/index.js';
import { readManifest, requireTorch, ROOT } from '../helpers/ckpt.js';
import { runCli } from '../helpers/cli.js';
import { configCheckpoint } from '../helpers/config-ckpt.js';
import { COCO } from '../helpers/data.js';
import { config0x, FIVE_KEYPOINTS, type CustomKeypoints } from '../helpers/mmpose-config-text.js';

const work = mkdtempSync(join(tmpdir(), 'pose-port-custom-kp-'));
test.after.always(() => rmSync(work, { recursive: true, force: true }));

const TINY = join(ROOT, 'fixtures', 'default', 'tiny_res_simplebaseline.pth');

/** the bundled small ResNet described as a manifest (its backbone and head as a config states them) */
function tinyManifest(): any {
  const man = readManifest('res50_coco_256x192_dark');
  return {
    ...man,
    pretrained: null,
    backbone: { type: 'ResNet', depth: null, base_channels: 8 },
    head: { type: 'TopDownSimpleHead', in_channels: 256, out_channels: 5, num_deconv_filters: [32, 32, 32], loss_keypoint: { type: 'JointsMSELoss', use_target_weight: true } },
  };
}

function customCheckpoint(kp: CustomKeypoints): string {
  return configCheckpoint({ base: { pth: TINY }, keypoints: 5, metaKey: 'config', text: config0x(tinyManifest(), { form: 'pretty', version: '0.29', keypoints: kp }) });
}

/** A COCO-style annotation file of one image with two persons of 5 keypoints. */
function annotations(): string {
  const file = join(work, 'ann5.json');
  const kp = (x: number, y: number) => [x, y, 2, x - 20, y - 40, 2, x + 20, y - 40, 2, x - 10, y - 20, 2, x + 10, y - 20, 2];
  writeFileSync(
    file,
    JSON.stringify({
      images: [{ id: 785, file_name: '000000000785.jpg', width: 640, height: 425 }],
      annotations: [
        { id: 1, image_id: 785, category_id: 1, iscrowd: 0, bbox: [280, 44, 218, 346], area: 40000, num_keypoints: 5, keypoints: kp(380, 200) },
        { id: 2, image_id: 785, category_id: 1, iscrowd: 0, bbox: [100, 100, 100, 200], area: 12000, num_keypoints: 5, keypoints: kp(150, 250) },
      ],
      categories: [{ id: 1, name: 'person', keypoints: FIVE_KEYPOINTS.names, skeleton: [] }],
    }),
  );
  return file;
}

test.serial('a 5-keypoint checkpoint converts with the config’s names, flip pairs, skeleton and sigmas; run draws them; eval uses the sigmas', (t) => {
  if (!requireTorch()) return t.pass('PyTorch absent (local run)');
  const out = join(work, 'five');
  const c = runCli(['convert', customCheckpoint(FIVE_KEYPOINTS), '--out', out, '--json']);
  t.is(c.code, 0, c.stderr);
  const meta = JSON.parse(validateOnnx(readFileSync(join(out, 'model.onnx'))).metadata.pose_port);
  t.is(meta.dataset, 'custom');
  t.is(meta.num_keypoints, 5);
  t.deepEqual(meta.keypoint_names, FIVE_KEYPOINTS.names);
  t.deepEqual(meta.flip_pairs, [[1, 2], [3, 4]]);
  t.deepEqual(meta.skeleton, [[0, 3], [0, 4], [3, 1], [4, 2]]);
  t.deepEqual(meta.sigmas, FIVE_KEYPOINTS.sigmas);
  t.is(meta.sources.keypoints.detail, "meta['config'] data.test.dataset_info");

  const png = join(work, 'five.png');
  const r = runCli(['run', join(out, 'model.onnx'), join(COCO, '000000000785.jpg'), '--bbox', '280,44,218,346', '--overlay', png, '--json']);
  t.is(r.code, 0, r.stderr);
  const persons = JSON.parse(r.stdout);
  const first = (persons.persons ?? persons)[0];
  t.is(first.keypoints.length, 5);
  t.true(existsSync(png));

  const results = join(work, 'five-results.json');
  const e = runCli(['eval', join(out, 'model.onnx'), '--ann', annotations(), '--images', COCO, '--results', results, '--json']);
  t.is(e.code, 0, e.stderr);
  const ev = JSON.parse(e.stdout);
  t.is(ev.dataset, 'custom');
  t.is(typeof ev.ap, 'number');
  t.true(ev.ap >= 0 && ev.ap <= 1);
  // score: the sigmas come from the model; without them 5 keypoints cannot be scored
  const s = runCli(['score', results, '--ann', annotations(), '--model', join(out, 'model.onnx'), '--json']);
  t.is(s.code, 0, s.stderr);
  t.is(JSON.parse(s.stdout).stats[0], ev.ap, "score with the model's sigmas gives eval's AP");
  const s2 = runCli(['score', results, '--ann', annotations()]);
  t.is(s2.code, 2);
  t.regex(s2.stderr, /5 keypoints: pass their OKS sigmas/);
});

test.serial('a custom set whose config records no sigmas converts, and eval refuses it clearly (exit 2)', (t) => {
  if (!requireTorch()) return t.pass('PyTorch absent (local run)');
  const noSigmas = configCheckpoint({
    base: { pth: TINY },
    keypoints: 5,
    metaKey: 'config',
    text: config0x(tinyManifest(), { form: 'pretty', version: '0.29', keypoints: FIVE_KEYPOINTS }).replace(/sigmas=\[[^\]]*\]/g, 'sigmas=foo()'),
  });
  const out = join(work, 'nosig');
  const c = runCli(['convert', noSigmas, '--out', out, '--json']);
  t.is(c.code, 0, c.stderr);
  const rep = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  t.is(rep.metadata.sigmas, undefined);
  t.true(rep.checkpoint_config.not_read.some((s: string) => /call to 'foo' not evaluated/.test(s)));
  const e = runCli(['eval', join(out, 'model.onnx'), '--ann', annotations(), '--images', COCO]);
  t.is(e.code, 2);
  t.regex(e.stderr, /records no OKS sigmas/);
  const s = runCli(['score', join(work, 'ann5.json'), '--ann', annotations(), '--model', join(out, 'model.onnx')]);
  t.is(s.code, 2);
  t.regex(s.stderr, /the model records no OKS sigmas/);
});

test.serial('5 keypoints and no config naming them: refused, saying what would name them', (t) => {
  if (!requireTorch()) return t.pass('PyTorch absent (local run)');
  const bare = configCheckpoint({ base: { pth: TINY }, keypoints: 5, metaKey: 'config', text: "model = dict(type='TopDown')\n" });
  const c = runCli(['convert', bare, '--out', join(work, 'bare')]);
  t.is(c.code, 2);
  t.regex(c.stderr, /5 keypoints match no built-in dataset .* a config with dataset_info \(keypoint_info, skeleton_info, sigmas\) names them/);
});
