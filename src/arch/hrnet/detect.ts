import { PosePortError } from '../../core/errors.js';
import type { TensorSet } from '../../core/tensor.js';
import type { Detection } from '../family.js';
import { expansionOf, type BlockType } from '../common/blocks.js';
import { detectSimpleHead } from '../common/heads.js';
import { childCount, convBnWidth, hasPrefix, voteDim } from '../common/keys.js';
import { matchingPresets } from '../preset.js';
import { HRNET_PRESETS, type HRNetConfig, type HRNetStageConfig } from './config.js';

const B = 'backbone';

/** An HRNet key set: `backbone.stage2.*` or `backbone.transition1.*`. */
export function isHRNetKeySet(tensors: TensorSet): boolean {
  return hasPrefix(tensors, `${B}.stage2`) || hasPrefix(tensors, `${B}.transition1`);
}

function blockTypeUnder(tensors: TensorSet, prefix: string, blocks: number): BlockType {
  for (let b = 0; b < blocks; b++) if (hasPrefix(tensors, `${prefix}.${b}.conv3`) || hasPrefix(tensors, `${prefix}.${b}.bn3`)) return 'bottleneck';
  return 'basic';
}

/**
 * The HRNet config from keys and shapes alone: stages from `stage<k>`, modules and
 * branches from their indices, blocks per branch from `branches.<br>.<b>`, block type
 * from `conv3`, widths voted over each branch's first conv and BN, multi-scale output
 * from the last module's `fuse_layers`, the head from `keypoint_head.*`.
 */
export function detectHRNet(tensors: TensorSet): Detection<HRNetConfig> | null {
  if (!isHRNetKeySet(tensors)) return null;
  const stemChannels = voteDim(
    tensors,
    [...convBnWidth(`${B}.conv1`, `${B}.bn1`), ...convBnWidth(`${B}.conv2`, `${B}.bn2`), [`${B}.layer1.0.conv1.weight`, 1]],
    'the stem width',
  );
  // pose-port feeds RGB images: a stem expecting other channel counts fails the build's shape check
  const inChannels = 3;

  const l1Blocks = childCount(tensors, `${B}.layer1`);
  if (!l1Blocks) throw new PosePortError('KEY_MISSING', `no '${B}.layer1.*' keys: HRNet's stage 1 is missing`, { key: `${B}.layer1.0.conv1.weight` });
  const l1Block = blockTypeUnder(tensors, `${B}.layer1`, l1Blocks);
  const stages: HRNetStageConfig[] = [
    {
      numModules: 1,
      numBranches: 1,
      block: l1Block,
      numBlocks: [l1Blocks],
      numChannels: [voteDim(tensors, convBnWidth(`${B}.layer1.0.conv1`, `${B}.layer1.0.bn1`), 'the width of stage 1')],
    },
  ];
  for (let k = 2; hasPrefix(tensors, `${B}.stage${k}`); k++) {
    const s = `${B}.stage${k}`;
    const numModules = childCount(tensors, s);
    const numBranches = childCount(tensors, `${s}.0.branches`);
    if (!numModules || !numBranches)
      throw new PosePortError('KEY_MISSING', `no '${s}.0.branches.0.*' keys: stage ${k} has no branches`, { key: `${s}.0.branches.0.0.conv1.weight` });
    const numBlocks: number[] = [];
    const numChannels: number[] = [];
    let block: BlockType = 'basic';
    for (let br = 0; br < numBranches; br++) {
      const bp = `${s}.0.branches.${br}`;
      numBlocks.push(childCount(tensors, bp));
      if (blockTypeUnder(tensors, bp, numBlocks[br]) === 'bottleneck') block = 'bottleneck';
      numChannels.push(voteDim(tensors, convBnWidth(`${bp}.0.conv1`, `${bp}.0.bn1`), `the width of stage ${k} branch ${br}`));
    }
    stages.push({ numModules, numBranches, block, numBlocks, numChannels });
  }
  if (stages.length < 2) return null;
  const last = stages[stages.length - 1];
  const lastFuse = `${B}.stage${stages.length}.${last.numModules - 1}.fuse_layers`;
  const multiscaleOutput = last.numBranches > 1 && childCount(tensors, lastFuse) > 1;
  const headIn = last.numChannels[0] * expansionOf(last.block);
  const config: HRNetConfig = { inChannels, stemChannels, stages, multiscaleOutput, head: detectSimpleHead(tensors, headIn) };
  const preset = matchingPresets(HRNET_PRESETS, config)[0];
  return { family: 'hrnet', config, facts: hrnetFacts(config), ...(preset ? { preset } : {}) };
}

/** What `inspect` shows for an HRNet. */
export function hrnetFacts(c: HRNetConfig): Record<string, unknown> {
  const last = c.stages[c.stages.length - 1];
  return {
    stages: c.stages.length,
    modules: c.stages.map((s) => s.numModules),
    branches: c.stages.map((s) => s.numBranches),
    blocks: c.stages.map((s) => s.numBlocks),
    blockTypes: c.stages.map((s) => s.block),
    widths: last.numChannels.map((w) => w * expansionOf(last.block)),
    stem: c.stemChannels,
    multiscaleOutput: c.multiscaleOutput,
    deconvs: c.head.deconvChannels,
    finalKernel: c.head.finalKernel,
    keypoints: c.head.numKeypoints,
    outputStride: 4 / 2 ** c.head.deconvLayers,
  };
}
