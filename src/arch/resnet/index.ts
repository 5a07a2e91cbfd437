import { SIMPLE_HEAD, SIMPLE_HEAD_DEFAULTS, type Family } from '../family.js';
import { simpleHeadConfigFields } from '../common/heads.js';
import { buildResNet } from './build.js';
import { RESNET_PRESETS, type ResNetConfig } from './config.js';
import { detectResNet } from './detect.js';

export type { ResNetConfig } from './config.js';
export { RESNET_DEPTHS } from './config.js';

/** ResNet backbone + TopDownSimpleHead (SimpleBaseline, DARK). */
export const resnet: Family<ResNetConfig> = {
  name: 'resnet',
  backboneType: 'ResNet',
  head: SIMPLE_HEAD,
  presets: RESNET_PRESETS,
  defaults: SIMPLE_HEAD_DEFAULTS,
  outputNames: () => ['heatmaps'],
  configFields: (c) => ({ backbone: c.depth !== null ? [{ field: 'depth', keys: c.depth }] : [], head: simpleHeadConfigFields(c.head) }),
  detect: detectResNet,
  build: buildResNet,
};
