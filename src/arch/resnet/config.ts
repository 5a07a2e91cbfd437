import type { BlockType } from '../common/blocks.js';
import type { SimpleHeadConfig } from '../common/heads.js';

/**
 * MMPose's ResNet backbone (`backbones/resnet.py`, style 'pytorch') with a
 * TopDownSimpleHead: the SimpleBaseline / DARK rows.
 */
export interface ResNetConfig {
  /** 18, 34, 50, 101 or 152 when `block` and `blocks` are one of ResNet's arch settings, else null */
  depth: number | null;
  block: BlockType;
  /** blocks per layer (num_stages = blocks.length, 1..4) */
  blocks: number[];
  /** channels of the input image */
  inChannels: number;
  /** output channels of the stem (`stem_channels`) */
  stemChannels: number;
  /** mid width of layer1 (`base_channels`); layer i has base * 2^i, times the expansion at its output */
  baseChannels: number;
  /** three 3x3 ConvModules (`backbone.stem.*`) instead of the 7x7 conv1 */
  deepStem: boolean;
  /** stride of each layer's first block (MMPose default 1, 2, 2, 2; not visible in the keys) */
  strides: number[];
  head: SimpleHeadConfig;
}

/** ResNet.arch_settings: depth -> block type and blocks per layer */
export const RESNET_DEPTHS: Readonly<Record<number, { block: BlockType; blocks: readonly number[] }>> = {
  18: { block: 'basic', blocks: [2, 2, 2, 2] },
  34: { block: 'basic', blocks: [3, 4, 6, 3] },
  50: { block: 'bottleneck', blocks: [3, 4, 6, 3] },
  101: { block: 'bottleneck', blocks: [3, 4, 23, 3] },
  152: { block: 'bottleneck', blocks: [3, 8, 36, 3] },
};

export function depthOf(block: BlockType, blocks: readonly number[]): number | null {
  for (const [d, s] of Object.entries(RESNET_DEPTHS))
    if (s.block === block && s.blocks.length === blocks.length && s.blocks.every((n, i) => n === blocks[i])) return Number(d);
  return null;
}

function preset(depth: number): Partial<ResNetConfig> {
  const s = RESNET_DEPTHS[depth];
  return { depth, block: s.block, blocks: [...s.blocks], stemChannels: 64, baseChannels: 64, deepStem: false };
}

/** `--arch` names: backbone facts only (the head's keypoint count comes from the keys). */
export const RESNET_PRESETS: Readonly<Record<string, Partial<ResNetConfig>>> = {
  res50: preset(50),
  res101: preset(101),
  res152: preset(152),
};
