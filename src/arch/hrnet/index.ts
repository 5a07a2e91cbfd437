import { SIMPLE_HEAD, SIMPLE_HEAD_DEFAULTS, type Family } from '../family.js';
import { simpleHeadConfigFields } from '../common/heads.js';
import { buildHRNet } from './build.js';
import { HRNET_PRESETS, type HRNetConfig } from './config.js';
import { detectHRNet } from './detect.js';

export type { HRNetConfig, HRNetStageConfig } from './config.js';

/** HRNet backbone + TopDownSimpleHead (HRNet, DARK, whole-body rows). */
export const hrnet: Family<HRNetConfig> = {
  name: 'hrnet',
  backboneType: 'HRNet',
  head: SIMPLE_HEAD,
  presets: HRNET_PRESETS,
  defaults: SIMPLE_HEAD_DEFAULTS,
  outputNames: () => ['heatmaps'],
  configFields: (c) => ({
    backbone: c.stages.flatMap((st, i) => [
      { field: `extra.stage${i + 1}.num_channels`, keys: st.numChannels },
      { field: `extra.stage${i + 1}.num_blocks`, keys: st.numBlocks },
      { field: `extra.stage${i + 1}.num_modules`, keys: st.numModules },
    ]),
    head: simpleHeadConfigFields(c.head),
  }),
  detect: detectHRNet,
  build: buildHRNet,
};
