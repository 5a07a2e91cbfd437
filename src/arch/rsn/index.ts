/**
 * The RSN family (Residual Steps Network, MMPose `backbones/rsn.py` + TopDownMSMUHead):
 * keys `backbone.top.*`, `backbone.multi_stage_rsn.<s>.*`, `keypoint_head.predict_layers.<n>.*`.
 */
import { PosePortError } from '../../core/errors.js';
import type { TensorSet } from '../../core/tensor.js';
import { MSMU_HEAD, MSMU_HEAD_DEFAULTS, type BuildOptions, type BuildResult, type Detection, type Family } from '../family.js';
import { buildMsmuGraph } from '../common/msmu.js';
import { msmuOutputs } from '../common/msmu-head.js';
import { msmuConfigFields, msmuFacts, validateMsmuConfig, type EncoderSpec } from '../common/msmu-config.js';
import { escapeRe, inspectMultiStage, maxKeyIndex } from '../common/msmu-keys.js';
import { matchingPresets } from '../preset.js';
import { convBnWidth, voteDim } from '../common/keys.js';
import { residualStepsBlock } from './block.js';
import { RSN_PRESETS, type RsnConfig } from './config.js';

export type { RsnConfig } from './config.js';
export { RSN_PRESETS } from './config.js';

const STAGE_KEY = 'multi_stage_rsn';

/** Encoder unit u is `stem * 2^u` wide (RSB expansion 1: 64, 128, 256, 512). */
export const RSN_ENCODER: EncoderSpec<RsnConfig> = {
  stageKey: STAGE_KEY,
  unitWidth: (cfg, u) => cfg.stemChannels * 2 ** u,
  block: residualStepsBlock,
};

/** The config the keys show (steps from `conv_bn_relu2_<i>_<j>`, expandTimes from the first block's width). */
export function detectRsn(tensors: TensorSet): Detection<RsnConfig> | null {
  const base = inspectMultiStage(tensors, STAGE_KEY, 'rsn');
  if (!base) return null;
  const block0 = `backbone.${STAGE_KEY}.0.downsample.layer1.0`;
  const numSteps = maxKeyIndex(tensors, new RegExp(`^${escapeRe(block0)}\\.conv_bn_relu2_(\\d+)_\\d+\\.`));
  if (numSteps < 2)
    throw new PosePortError('KEY_MISSING', `no '${block0}.conv_bn_relu2_<i>_<j>.*' keys for at least 2 steps: cannot count the RSN steps`, {
      key: `${block0}.conv_bn_relu2_1_1.conv.weight`,
    });
  // block 0 of unit 1 takes the stem's output, so its branch width w equals expand_times
  const w = voteDim(tensors, convBnWidth(`${block0}.conv_bn_relu2_1_1.conv`, `${block0}.conv_bn_relu2_1_1.bn`), 'the RSN branch width');
  const config: RsnConfig = { ...base, numSteps, expandTimes: w };
  const preset = matchingPresets(RSN_PRESETS, config)[0];
  return { family: 'rsn', config, preset, facts: msmuFacts(config, { steps: numSteps, expandTimes: w }) };
}

export const rsnFamily: Family<RsnConfig> = {
  name: 'rsn',
  backboneType: 'RSN',
  head: MSMU_HEAD,
  presets: RSN_PRESETS,
  defaults: MSMU_HEAD_DEFAULTS,
  outputNames: (c, all) => msmuOutputs(c.numStages, c.numUnits, all).map((o) => o.name),
  configFields: (c) => msmuConfigFields(c, [{ field: 'num_steps', keys: c.numSteps }]),
  detect: detectRsn,
  build(tensors: TensorSet, config: RsnConfig, options: BuildOptions): BuildResult {
    validateMsmuConfig(config, 'rsn');
    if (!Number.isInteger(config.numSteps) || config.numSteps < 2) throw new PosePortError('ARCH_MISMATCH', `invalid rsn config: numSteps ${config.numSteps} (needs >= 2)`);
    if (!Number.isInteger(config.expandTimes) || config.expandTimes < 1) throw new PosePortError('ARCH_MISMATCH', `invalid rsn config: expandTimes ${config.expandTimes}`);
    const arch = matchingPresets(RSN_PRESETS, config)[0] ?? 'rsn';
    return buildMsmuGraph(tensors, config, RSN_ENCODER, options, { family: 'rsn', arch, facts: msmuFacts(config, { steps: config.numSteps }) });
  },
};
