/**
 * Small networks of the four families (synthetic MMPose-layout weights, 256x192 input,
 * 64x48 heatmaps) for the keypoint graph tests: real architectures, little CPU.
 */
import type { HRNetConfig } from '../../src/arch/hrnet/index.js';
import type { ResNetConfig } from '../../src/arch/resnet/index.js';
import { tensorSetOf } from '../../src/core/tensor.js';
import type { DatasetName } from '../../src/eval/datasets.js';
import { generateParams } from '../arch/rsn/keygen.js';
import type { Net } from '../helpers/keypoint-parity.js';
import { entryOf } from '../helpers/manifest-tensors.js';
import { hrnetKeys, resnetKeys } from '../helpers/synthetic-keys.js';

function resnet(k: number): ResNetConfig {
  return {
    depth: null, block: 'basic', blocks: [1, 1, 1, 1], inChannels: 3, stemChannels: 8, baseChannels: 8, deepStem: false, strides: [1, 2, 2, 2],
    head: { inChannels: 64, deconvLayers: 3, deconvChannels: [16, 16, 16], deconvKernels: [4, 4, 4], convKernels: [], finalKernel: 1, numKeypoints: k },
  };
}

const HRNET: HRNetConfig = {
  inChannels: 3,
  stemChannels: 16,
  stages: [
    { numModules: 1, numBranches: 1, block: 'bottleneck', numBlocks: [1], numChannels: [4] },
    { numModules: 1, numBranches: 2, block: 'basic', numBlocks: [1, 1], numChannels: [8, 16] },
  ],
  multiscaleOutput: false,
  head: { inChannels: 8, deconvLayers: 0, deconvChannels: [], deconvKernels: [], convKernels: [], finalKernel: 1, numKeypoints: 17 },
};

const msmu = (family: 'rsn' | 'mspn') =>
  tensorSetOf(generateParams({ family, numStages: 1, numUnits: 2, numBlocks: [1, 1], numSteps: 2, unitChannels: 32 }).map(([n, s, d]) => entryOf(n, s, d)));

export function resnetNet(dataset: DatasetName): Net {
  const k = { coco: 17, coco_wholebody: 133, mpii: 16 }[dataset];
  return { tag: `resnet-${dataset}`, tensors: resnetKeys(resnet(k)), inputSize: dataset === 'mpii' ? [256, 256] : [256, 192], dataset };
}

export const COCO_NETS: readonly (() => Net)[] = [
  () => resnetNet('coco'),
  () => ({ tag: 'hrnet-coco', tensors: hrnetKeys(HRNET), inputSize: [256, 192], dataset: 'coco' }),
  () => ({ tag: 'rsn-coco', tensors: msmu('rsn'), inputSize: [256, 192], dataset: 'coco' }),
  () => ({ tag: 'mspn-coco', tensors: msmu('mspn'), inputSize: [256, 192], dataset: 'coco' }),
];
