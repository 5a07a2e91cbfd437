/**
 * `inspect` shows the config facts it read, each with its field (human and --json), and
 * what it did not read; `verify` checks that the settings an artifact took from the
 * checkpoint's config still resolve the same (config-settings), and fails naming the
 * setting when they do not.
 */
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readManifest, requireTorch, ROOT } from '../helpers/ckpt.js';
import { runCli } from '../helpers/cli.js';
import { configCheckpoint } from '../helpers/config-ckpt.js';
import { config0x, config1x, FIVE_KEYPOINTS } from '../helpers/mmpose-config-text.js';

const work = mkdtempSync(join(tmpdir(), 'pose-port-config-facts-'));
test.after.always(() => rmSync(work, { recursive: true, force: true }));
const TINY = join(ROOT, 'fixtures', 'default', 'tiny_res_simplebaseline.pth');

const tinyManifest = () => ({
  ...readManifest('res50_coco_256x192_dark'),
  pretrained: null,
  backbone: { type: 'ResNet', depth: null, base_channels: 8 },
  head: { type: 'TopDownSimpleHead', in_channels: 256, out_channels: 5, num_deconv_filters: [32, 32, 32] },
});
const custom = (text: string, metaKey: 'config' | 'cfg' = 'config') => configCheckpoint({ base: { pth: TINY }, keypoints: 5, metaKey, text });

test.serial('inspect shows each config fact with its field, and --json carries them', (t) => {
  if (!requireTorch()) return t.pass('PyTorch absent (local run)');
  const ckpt = custom(config0x(tinyManifest(), { form: 'file', version: '0.29', keypoints: FIVE_KEYPOINTS }).replace('dataset_info={{_base_.dataset_info}}', `dataset_info=${'dict(dataset_name="x")'}`));
  const h = runCli(['inspect', ckpt]);
  t.is(h.code, 0, h.stderr);
  t.regex(h.stdout, /config: +meta\['config'\] \(MMPose 0\.x layout, \d+ characters\)/);
  t.regex(h.stdout, /input_size_hw: \[256,192\] +<- data\.test\.data_cfg\.image_size/);
  t.regex(h.stdout, /decode\.method: "unbiased" +<- model\.test_cfg\.post_process/);
  t.regex(h.stdout, /num_keypoints: 5 +<- model\.keypoint_head\.out_channels/);
  const j = runCli(['inspect', ckpt, '--json']);
  const c = JSON.parse(j.stdout).config;
  t.is(c.meta_key, 'config');
  t.deepEqual(c.facts.input_size_hw, { value: [256, 192], field: 'data.test.data_cfg.image_size' });
  t.deepEqual(c.facts.normalize.value, { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
  t.is(c.facts.backbone.field, 'model.backbone');
  t.is(c.facts.keypoints, undefined, 'a dataset_info without keypoint_info names no keypoints');
  const udp = custom(config1x(tinyManifest(), { form: 'pretty', version: '1.x' }).replaceAll("type='MSRAHeatmap'", "type='UDPHeatmap'"), 'cfg');
  const u = runCli(['inspect', udp, '--json']);
  t.is(u.code, 0, 'inspect reports an unsupported setting instead of failing');
  t.regex(JSON.parse(u.stdout).config.unsupported, /codec UDPHeatmap \(model\.head\.decoder\.type\) is not implemented/);
});

test.serial('verify: the settings taken from the config still match; an edited setting fails config-settings naming it', (t) => {
  if (!requireTorch()) return t.pass('PyTorch absent (local run)');
  const ckpt = custom(config0x(tinyManifest(), { form: 'pretty', version: '0.29', keypoints: FIVE_KEYPOINTS }));
  const out = join(work, 'v');
  t.is(runCli(['convert', ckpt, '--out', out, '--format', 'onnx']).code, 0);
  const ok = runCli(['verify', ckpt, out, '--json']);
  const rep = JSON.parse(ok.stdout);
  const cs = rep.checks.find((c: any) => c.name === 'config-settings');
  t.true(cs.ok, cs.detail);
  t.regex(cs.detail, /settings from the checkpoint's config \(.*decode\.method.*\) still read the same/);
  t.is(ok.code, 0, ok.stdout);

  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  report.metadata.decode.modulate_kernel = 99;
  writeFileSync(join(out, 'report.json'), JSON.stringify(report));
  const bad = runCli(['verify', ckpt, out, '--json']);
  t.is(bad.code, 1);
  const c2 = JSON.parse(bad.stdout).checks.find((c: any) => c.name === 'config-settings');
  t.false(c2.ok);
  t.deepEqual(c2.mismatches, ['decode.modulate_kernel']);
  t.regex(c2.detail, /decode\.modulate_kernel: the checkpoint now gives 11 \(config: meta\['config'\] model\.test_cfg\.modulate_kernel\), the artifact has 99/);
});
