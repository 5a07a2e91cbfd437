import { SIMPLE_HEAD_DEFAULTS, type Family } from '../family.js';
import { buildHRNet } from './build.js';
import { HRNET_PRESETS, type HRNetConfig } from './config.js';
import { detectHRNet } from './detect.js';

export type { HRNetConfig, HRNetStageConfig } from './config.js';

/** HRNet backbone + TopDownSimpleHead (HRNet, DARK, whole-body rows). */
export const hrnet: Family<HRNetConfig> = {
  name: 'hrnet',
  presets: HRNET_PRESETS,
  defaults: SIMPLE_HEAD_DEFAULTS,
  detect: detectHRNet,
  build: buildHRNet,
};
