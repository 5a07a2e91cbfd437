import { SIMPLE_HEAD_DEFAULTS, type Family } from '../family.js';
import { buildResNet } from './build.js';
import { RESNET_PRESETS, type ResNetConfig } from './config.js';
import { detectResNet } from './detect.js';

export type { ResNetConfig } from './config.js';
export { RESNET_DEPTHS } from './config.js';

/** ResNet backbone + TopDownSimpleHead (SimpleBaseline, DARK). */
export const resnet: Family<ResNetConfig> = {
  name: 'resnet',
  presets: RESNET_PRESETS,
  defaults: SIMPLE_HEAD_DEFAULTS,
  detect: detectResNet,
  build: buildResNet,
};
