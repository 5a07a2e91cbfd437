import type { BlockType } from '../common/blocks.js';
import type { SimpleHeadConfig } from '../common/heads.js';

/** One stage of MMPose's HRNet (`extra.stage<k>`). */
export interface HRNetStageConfig {
  numModules: number;
  numBranches: number;
  block: BlockType;
  /** blocks per branch */
  numBlocks: number[];
  /** width per branch before the block expansion (branch output = width * expansion) */
  numChannels: number[];
}

/**
 * MMPose's HRNet (`backbones/hrnet.py`, v0.12) with a TopDownSimpleHead reading the
 * highest-resolution branch.
 */
export interface HRNetConfig {
  /** channels of the input image */
  inChannels: number;
  /** width of the two stride-2 stem convs (64 in MMPose) */
  stemChannels: number;
  /**
   * stages[0] is stage1 (`backbone.layer1`: one module, one branch, no fuse layers);
   * stages[k] for k >= 1 is `backbone.stage<k+1>`, entered through `backbone.transition<k>`.
   */
  stages: HRNetStageConfig[];
  /** whether the last module of the last stage fuses into every branch (`multiscale_output`) */
  multiscaleOutput: boolean;
  head: SimpleHeadConfig;
}

function standard(w: number): Partial<HRNetConfig> {
  const widths = [w, 2 * w, 4 * w, 8 * w];
  return {
    stemChannels: 64,
    stages: [
      { numModules: 1, numBranches: 1, block: 'bottleneck', numBlocks: [4], numChannels: [64] },
      { numModules: 1, numBranches: 2, block: 'basic', numBlocks: [4, 4], numChannels: widths.slice(0, 2) },
      { numModules: 4, numBranches: 3, block: 'basic', numBlocks: [4, 4, 4], numChannels: widths.slice(0, 3) },
      { numModules: 3, numBranches: 4, block: 'basic', numBlocks: [4, 4, 4, 4], numChannels: widths },
    ],
  };
}

/** `--arch` names: the standard HRNet-W32/W48 backbones (the head's keypoint count comes from the keys). */
export const HRNET_PRESETS: Readonly<Record<string, Partial<HRNetConfig>>> = {
  hrnet_w32: standard(32),
  hrnet_w48: standard(48),
};
