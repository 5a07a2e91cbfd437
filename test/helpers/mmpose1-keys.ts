/**
 * A 0.x key set as MMPose 1.x names it, for tests without PyTorch (the .pth files come
 * from mmengine_ckpt.py, whose `mmpose1_key` is the same rule): written from MMPose
 * 1.x's own conversion of 0.x files, not from src/arch/layout.ts: `keypoint_head` ->
 * `head` (BasePoseEstimator._load_state_dict_pre_hook); of the old
 * `final_layer.<i>.<leaf>`, the extra conv layers become `conv_layers.<i>.<leaf>` and
 * the last conv `final_layer.<leaf>` (HeatmapHead._load_state_dict_pre_hook).
 */
import { tensorSetOf, type TensorEntry, type TensorSet } from '../../src/core/tensor.js';

export function mmpose1Name(name: string, numConvLayers: number): string {
  if (!name.startsWith('keypoint_head.')) return name;
  const rest = name.slice('keypoint_head.'.length).split('.');
  if (rest[0] === 'final_layer' && rest.length === 3)
    return Number(rest[1]) < 3 * numConvLayers ? `head.conv_layers.${rest[1]}.${rest[2]}` : `head.final_layer.${rest[2]}`;
  return `head.${rest.join('.')}`;
}

/** `tensors` renamed to 1.x names (same entries, data and order); extra entries appended. */
export function asMmpose1(tensors: TensorSet, numConvLayers = 0, extra: TensorEntry[] = []): TensorSet {
  const renamed = tensors.entries.map((e) => Object.create(e, { name: { value: mmpose1Name(e.name, numConvLayers), enumerable: true } }) as TensorEntry);
  return tensorSetOf([...renamed, ...extra]);
}
