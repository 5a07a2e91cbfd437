import test from 'ava';
import { hrnet, type HRNetConfig } from '../../../src/arch/hrnet/index.js';
import { generalCase } from '../../helpers/general-case.js';
import { hrnetKeys } from '../../helpers/synthetic-keys.js';

/** Configs MMPose's HRNet + TopDownSimpleHead can express beyond the zoo rows (small widths, other stage counts). */
const CASES: [string, HRNetConfig, [number, number, number]][] = [
  [
    'three stages, a bottleneck stage, multi-scale output, one deconvolution',
    {
      inChannels: 3,
      stemChannels: 16,
      stages: [
        { numModules: 1, numBranches: 1, block: 'basic', numBlocks: [2], numChannels: [16] },
        { numModules: 1, numBranches: 2, block: 'basic', numBlocks: [1, 2], numChannels: [8, 16] },
        { numModules: 2, numBranches: 3, block: 'bottleneck', numBlocks: [1, 1, 1], numChannels: [2, 4, 16] },
      ],
      multiscaleOutput: true,
      head: { inChannels: 8, deconvLayers: 1, deconvChannels: [8], deconvKernels: [4], convKernels: [], finalKernel: 1, numKeypoints: 6 },
    },
    [6, 32, 32],
  ],
  [
    'two stages, three branches made by one transition, a width change, 3x3 final layer',
    {
      inChannels: 3,
      stemChannels: 16,
      stages: [
        { numModules: 1, numBranches: 1, block: 'bottleneck', numBlocks: [1], numChannels: [8] },
        { numModules: 2, numBranches: 3, block: 'basic', numBlocks: [1, 1, 2], numChannels: [8, 16, 32] },
      ],
      multiscaleOutput: false,
      head: { inChannels: 8, deconvLayers: 0, deconvChannels: [], deconvKernels: [], convKernels: [], finalKernel: 3, numKeypoints: 7 },
    },
    [7, 16, 16],
  ],
  [
    'five stages of five branches',
    {
      inChannels: 3,
      stemChannels: 8,
      stages: [
        { numModules: 1, numBranches: 1, block: 'bottleneck', numBlocks: [1], numChannels: [4] },
        { numModules: 1, numBranches: 2, block: 'basic', numBlocks: [1, 1], numChannels: [4, 8] },
        { numModules: 1, numBranches: 3, block: 'basic', numBlocks: [1, 1, 1], numChannels: [4, 8, 8] },
        { numModules: 2, numBranches: 4, block: 'basic', numBlocks: [1, 1, 1, 1], numChannels: [4, 8, 8, 16] },
        { numModules: 1, numBranches: 5, block: 'basic', numBlocks: [1, 1, 1, 1, 1], numChannels: [4, 8, 8, 16, 16] },
      ],
      multiscaleOutput: false,
      head: { inChannels: 4, deconvLayers: 0, deconvChannels: [], deconvKernels: [], convKernels: [], finalKernel: 1, numKeypoints: 3 },
    },
    [3, 16, 16],
  ],
];

for (const [name, config, heatmaps] of CASES)
  test(`HRNet: ${name}`, async (t) => {
    await generalCase(t, hrnet, hrnetKeys(config), config, [64, 64], heatmaps);
  });
