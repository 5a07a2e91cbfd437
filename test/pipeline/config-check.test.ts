/**
 * checkConfigAgainstKeys reads which config fields the keys determine from the Family
 * (`configFields`, `backboneType`): every zoo row's own config agrees with its keys in
 * 0.x and 1.x naming, and a field changed in the config is a CONFIG_MISMATCH naming it.
 */
import test from 'ava';
import { detectArchitecture } from '../../src/arch/index.js';
import { readCheckpointConfig } from '../../src/config/index.js';
import { checkConfigAgainstKeys } from '../../src/pipeline/config-check.js';
import { listManifests, readManifest } from '../helpers/ckpt.js';
import { expectPoseError } from '../helpers/errors.js';
import { tensorSetFromManifest } from '../helpers/manifest-tensors.js';
import { config0x, config1x } from '../helpers/mmpose-config-text.js';

type Version = '0.12' | '1.x';

/** Checks the config text of `man` (a manifest, possibly edited) against the keys of manifest `model`. */
function check(model: string, man: any, version: Version): void {
  const text = version === '1.x' ? config1x(man, { form: 'pretty', version }) : config0x(man, { form: 'pretty', version });
  const config = readCheckpointConfig(version === '1.x' ? { cfg: text } : { config: text })!;
  if (config.refused) throw new Error(config.refused);
  const det = detectArchitecture(tensorSetFromManifest(model))!;
  checkConfigAgainstKeys(config.settings!, det, readManifest(model).num_output_channels, 'x.pth');
}

test('every zoo row: its own config (0.x and 1.x) agrees with its keys on every field the family names', (t) => {
  for (const model of listManifests())
    for (const version of ['0.12', '1.x'] as const) t.notThrows(() => check(model, readManifest(model), version), `${model} ${version}`);
});

const CHANGED: [model: string, version: Version, edit: (m: any) => void, key: RegExp, said: RegExp][] = [
  ['res50_coco_256x192_dark', '0.12', (m) => (m.backbone.depth = 101), /^model\.backbone\.depth$/, /config says model\.backbone\.depth = 101, but its tensor keys show 50/],
  ['hrnet_w32_coco_256x192_dark', '1.x', (m) => (m.backbone.extra.stage3.num_channels = [32, 64, 256]), /^model\.backbone\.extra\.stage3\.num_channels$/, /\[32,64,256\].*\[32,64,128\]/],
  ['rsn18_coco_256x192', '0.12', (m) => (m.backbone.num_steps = 3), /^model\.backbone\.num_steps$/, /= 3, but its tensor keys show 4/],
  ['mspn50_coco_256x192', '1.x', (m) => (m.backbone.num_units = 3), /^model\.backbone\.num_units$/, /= 3, but its tensor keys show 4/],
  ['mspn50_coco_256x192', '0.12', (m) => (m.head.unit_channels = 128), /^model\.keypoint_head\.unit_channels$/, /= 128, but its tensor keys show 256/],
  // HeatmapHead's deconv_out_channels=None (written for num_deconv_layers 0) means no deconvolutions
  ['res50_coco_256x192_dark', '1.x', (m) => (m.head.num_deconv_layers = 0), /^model\.head\.deconv_out_channels$/, /= 0, but its tensor keys show 3/],
  ['hrnet_w32_coco_256x192_dark', '0.12', (m) => (m.backbone.type = 'ResNet'), /^model\.backbone\.type$/, /"ResNet", but its tensor keys show "the hrnet family"/],
];

for (const [model, version, edit, key, said] of CHANGED)
  test(`${model} ${version}: a changed config field is CONFIG_MISMATCH naming it (${key.source})`, (t) => {
    const man = structuredClone(readManifest(model));
    edit(man);
    const e = expectPoseError(t, () => check(model, man, version), 'CONFIG_MISMATCH');
    t.regex(e.key ?? '', key);
    t.regex(e.message, said);
  });
