import { PosePortError } from '../../core/errors.js';
import type { TensorSet } from '../../core/tensor.js';
import type { Detection } from '../family.js';
import { expansionOf, type BlockType } from '../common/blocks.js';
import { detectSimpleHead } from '../common/heads.js';
import { childCount, convBnWidth, hasPrefix, voteDim } from '../common/keys.js';
import { matchingPresets } from '../preset.js';
import { depthOf, RESNET_PRESETS, type ResNetConfig } from './config.js';

const B = 'backbone';

/** A ResNet key set: `backbone.layer1.*` and none of HRNet's, RSN's or MSPN's backbone modules. */
export function isResNetKeySet(tensors: TensorSet): boolean {
  if (!hasPrefix(tensors, `${B}.layer1`)) return false;
  return !tensors.entries.some((e) => /^backbone\.(stage\d|transition\d|top\.|multi_stage)/.test(e.name));
}

/**
 * The ResNet config from the key set and shapes alone: layers and blocks per layer from
 * the `layer<L>.<b>` indices, block type from `conv3`, widths voted over each layer's
 * conv and BN tensors, the head from `keypoint_head.*`.
 */
export function detectResNet(tensors: TensorSet): Detection<ResNetConfig> | null {
  if (!isResNetKeySet(tensors)) return null;
  const blocks: number[] = [];
  for (let l = 1; hasPrefix(tensors, `${B}.layer${l}`); l++) blocks.push(childCount(tensors, `${B}.layer${l}`));
  if (blocks.length > 4)
    throw new PosePortError('ARCH_UNKNOWN', `ResNet key set has ${blocks.length} layers (${B}.layer1..${blocks.length}); MMPose's ResNet has at most 4`);
  const avgDown = blocks.findIndex((_, i) => hasPrefix(tensors, `${B}.layer${i + 1}.0.downsample.2`));
  if (avgDown >= 0)
    throw new PosePortError(
      'ARCH_UNKNOWN',
      `'${B}.layer${avgDown + 1}.0.downsample.2' exists: an avg_down ResNet (ResNetV1d), which pose-port does not build`,
      { key: `${B}.layer${avgDown + 1}.0.downsample.2` },
    );
  const block: BlockType = blocks.some((n, i) => Array.from({ length: n }, (_, b) => b).some((b) => hasPrefix(tensors, `${B}.layer${i + 1}.${b}.conv3`)))
    ? 'bottleneck'
    : 'basic';
  const deepStem = hasPrefix(tensors, `${B}.stem`);
  const stemOut = deepStem ? convBnWidth(`${B}.stem.2.conv`, `${B}.stem.2.bn`) : convBnWidth(`${B}.conv1`, `${B}.bn1`);
  const stemChannels = voteDim(tensors, [...stemOut, [`${B}.layer1.0.conv1.weight`, 1]], 'the stem width');
  // pose-port feeds RGB images: a stem expecting other channel counts fails the build's shape check
  const inChannels = 3;
  const baseChannels = voteDim(tensors, convBnWidth(`${B}.layer1.0.conv1`, `${B}.layer1.0.bn1`), 'the width of layer1');
  const outChannels = baseChannels * 2 ** (blocks.length - 1) * expansionOf(block);
  const head = detectSimpleHead(tensors, outChannels);
  const config: ResNetConfig = {
    depth: depthOf(block, blocks),
    block,
    blocks,
    inChannels,
    stemChannels,
    baseChannels,
    deepStem,
    strides: blocks.map((_, i) => (i === 0 ? 1 : 2)),
    head,
  };
  const preset = matchingPresets(RESNET_PRESETS, config)[0];
  return { family: 'resnet', config, facts: resnetFacts(config), ...(preset ? { preset } : {}) };
}

/** What `inspect` shows for a ResNet. */
export function resnetFacts(c: ResNetConfig): Record<string, unknown> {
  const widths = c.blocks.map((_, i) => c.baseChannels * 2 ** i * expansionOf(c.block));
  return {
    depth: c.depth,
    block: c.block,
    blocks: c.blocks,
    stem: c.deepStem ? `deep (3x3 x3), ${c.stemChannels}` : `7x7, ${c.stemChannels}`,
    widths,
    deconvs: c.head.deconvChannels,
    deconvKernels: c.head.deconvKernels,
    finalKernel: c.head.finalKernel,
    keypoints: c.head.numKeypoints,
    outputStride: (4 * c.strides.reduce((a, s) => a * s, 1)) / 2 ** c.head.deconvLayers,
  };
}
