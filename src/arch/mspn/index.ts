/**
 * The MSPN family (Multi-Stage Pose Network, MMPose `backbones/mspn.py` + TopDownMSMUHead):
 * keys `backbone.top.*`, `backbone.multi_stage_mspn.<s>.*`, `keypoint_head.predict_layers.<n>.*`.
 */
import type { TensorSet } from '../../core/tensor.js';
import { MSMU_HEAD, MSMU_HEAD_DEFAULTS, type BuildOptions, type BuildResult, type Detection, type Family } from '../family.js';
import { bottleneck } from '../common/blocks.js';
import { buildMsmuGraph } from '../common/msmu.js';
import { msmuOutputs } from '../common/msmu-head.js';
import { msmuConfigFields, msmuFacts, validateMsmuConfig, type EncoderSpec } from '../common/msmu-config.js';
import { inspectMultiStage } from '../common/msmu-keys.js';
import { matchingPresets } from '../preset.js';
import { MSPN_PRESETS, type MspnConfig } from './config.js';

export type { MspnConfig } from './config.js';
export { MSPN_PRESETS } from './config.js';

const STAGE_KEY = 'multi_stage_mspn';

/**
 * Encoder unit u is `4 * stem * 2^u` wide (bottleneck expansion 4: 256 .. 2048). Blocks
 * are MMPose ResNet bottlenecks (stride on conv2) whose projection shortcut is a
 * ConvModule `downsample.{conv,bn}`, present on block 0 of every unit (unit 1 too:
 * 64 -> 256).
 */
export const MSPN_ENCODER: EncoderSpec<MspnConfig> = {
  stageKey: STAGE_KEY,
  unitWidth: (cfg, u) => 4 * cfg.stemChannels * 2 ** u,
  block(p, x, prefix, _cfg, at) {
    const shortcut = at.stride !== 1 || at.inC !== at.outC ? { conv: `${prefix}.downsample.conv`, bn: `${prefix}.downsample.bn` } : null;
    return bottleneck(p, x, prefix, { outC: at.outC, stride: at.stride, shortcut });
  },
};

export function detectMspn(tensors: TensorSet): Detection<MspnConfig> | null {
  const config = inspectMultiStage(tensors, STAGE_KEY, 'mspn');
  if (!config) return null;
  const preset = matchingPresets(MSPN_PRESETS, config)[0];
  return { family: 'mspn', config, preset, facts: msmuFacts(config) };
}

export const mspnFamily: Family<MspnConfig> = {
  name: 'mspn',
  backboneType: 'MSPN',
  head: MSMU_HEAD,
  presets: MSPN_PRESETS,
  defaults: MSMU_HEAD_DEFAULTS,
  outputNames: (c, all) => msmuOutputs(c.numStages, c.numUnits, all).map((o) => o.name),
  configFields: (c) => msmuConfigFields(c),
  detect: detectMspn,
  build(tensors: TensorSet, config: MspnConfig, options: BuildOptions): BuildResult {
    validateMsmuConfig(config, 'mspn');
    const arch = matchingPresets(MSPN_PRESETS, config)[0] ?? 'mspn';
    return buildMsmuGraph(tensors, config, MSPN_ENCODER, options, { family: 'mspn', arch, facts: msmuFacts(config) });
  },
};
