/**
 * How MMPose 1.x names a 0.x state_dict's keys, as the project's checkpoint writer's
 * `--key-map` prefix pairs (scripts/make-checkpoint.py; first matching prefix wins), and
 * the same renaming of in-memory key sets for tests without PyTorch. Written from MMPose
 * 1.x's own conversion of 0.x files, not from src/arch/layout.ts: `keypoint_head` ->
 * `head` (BasePoseEstimator._load_state_dict_pre_hook); of the old
 * `final_layer.<i>.<leaf>`, the extra conv layers become `conv_layers.<i>.<leaf>` and
 * the last conv `final_layer.<leaf>` (HeatmapHead._load_state_dict_pre_hook).
 */
import { tensorSetOf, type TensorEntry, type TensorSet } from '../../src/core/tensor.js';

/** The prefix pairs for a head with `numConvLayers` extra conv layers (TopDownSimpleHead `extra.num_conv_layers`). */
export function mmpose1KeyMap(numConvLayers = 0): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i < 3 * numConvLayers; i++) pairs.push([`keypoint_head.final_layer.${i}.`, `head.conv_layers.${i}.`]);
  if (numConvLayers > 0) pairs.push([`keypoint_head.final_layer.${3 * numConvLayers}.`, 'head.final_layer.']);
  pairs.push(['keypoint_head.', 'head.']);
  return pairs;
}

export function mmpose1Name(name: string, numConvLayers = 0): string {
  const pair = mmpose1KeyMap(numConvLayers).find(([from]) => name.startsWith(from));
  return pair ? pair[1] + name.slice(pair[0].length) : name;
}

/** `tensors` renamed to 1.x names (same entries, data and order); extra entries appended. */
export function asMmpose1(tensors: TensorSet, numConvLayers = 0, extra: TensorEntry[] = []): TensorSet {
  const renamed = tensors.entries.map((e) => Object.create(e, { name: { value: mmpose1Name(e.name, numConvLayers), enumerable: true } }) as TensorEntry);
  return tensorSetOf([...renamed, ...extra]);
}
