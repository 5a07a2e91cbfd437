import test from 'ava';
import { resnet, type ResNetConfig } from '../../../src/arch/resnet/index.js';
import { generalCase } from '../../helpers/general-case.js';
import { resnetKeys } from '../../helpers/synthetic-keys.js';

/** Configs MMPose's ResNet + TopDownSimpleHead can express beyond the zoo rows (small widths). */
const CASES: [string, ResNetConfig, [number, number, number]][] = [
  [
    'ResNet-18 (basic blocks), 2 deconvs with kernels 4 and 3, 3x3 final layer',
    {
      depth: 18, block: 'basic', blocks: [2, 2, 2, 2], inChannels: 3, stemChannels: 16, baseChannels: 8, deepStem: false, strides: [1, 2, 2, 2],
      head: { inChannels: 64, deconvLayers: 2, deconvChannels: [16, 8], deconvKernels: [4, 3], convKernels: [], finalKernel: 3, numKeypoints: 5 },
    },
    [5, 8, 8],
  ],
  [
    'three basic layers of one block, no deconvolution',
    {
      depth: null, block: 'basic', blocks: [1, 1, 1], inChannels: 3, stemChannels: 8, baseChannels: 8, deepStem: false, strides: [1, 2, 2],
      head: { inChannels: 32, deconvLayers: 0, deconvChannels: [], deconvKernels: [], convKernels: [], finalKernel: 1, numKeypoints: 4 },
    },
    [4, 4, 4],
  ],
  [
    'deep stem, bottlenecks 1/2/1/1, kernel-2 deconvs, two extra head convs',
    {
      depth: null, block: 'bottleneck', blocks: [1, 2, 1, 1], inChannels: 3, stemChannels: 16, baseChannels: 4, deepStem: true, strides: [1, 2, 2, 2],
      head: { inChannels: 128, deconvLayers: 3, deconvChannels: [16, 16, 8], deconvKernels: [2, 2, 2], convKernels: [1, 3], finalKernel: 1, numKeypoints: 3 },
    },
    [3, 16, 16],
  ],
  [
    'no final layer (final_conv_kernel 0): heatmaps are the last deconvolution',
    {
      depth: null, block: 'bottleneck', blocks: [2, 1, 1, 1], inChannels: 3, stemChannels: 8, baseChannels: 4, deepStem: false, strides: [1, 2, 2, 2],
      head: { inChannels: 128, deconvLayers: 1, deconvChannels: [6], deconvKernels: [4], convKernels: [], finalKernel: 0, numKeypoints: 6 },
    },
    [6, 4, 4],
  ],
];

for (const [name, config, heatmaps] of CASES)
  test(`ResNet: ${name}`, async (t) => {
    await generalCase(t, resnet, resnetKeys(config), config, [64, 64], heatmaps);
  });
