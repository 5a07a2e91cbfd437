/**
 * The configs pose-port should detect, derived from a manifest's MMPose config dicts
 * (`backbone`, `head`) with MMPose v0.12's defaults: an expectation independent of the
 * key-set detection under test.
 */
import type { SimpleHeadConfig } from '../../src/arch/common/heads.js';
import type { HRNetConfig } from '../../src/arch/hrnet/index.js';
import type { ResNetConfig } from '../../src/arch/resnet/index.js';
import { RESNET_DEPTHS } from '../../src/arch/resnet/index.js';

/** TopDownSimpleHead's constructor defaults applied to a config dict. */
export function expectedHead(head: any): SimpleHeadConfig {
  const n = head.num_deconv_layers ?? 3;
  const filters: number[] = n > 0 ? (head.num_deconv_filters ?? [256, 256, 256]) : [];
  const kernels: number[] = n > 0 ? (head.num_deconv_kernels ?? [4, 4, 4]) : [];
  const extra = head.extra ?? {};
  const numConv = extra.num_conv_layers ?? 0;
  return {
    inChannels: head.in_channels,
    deconvLayers: n,
    deconvChannels: filters,
    deconvKernels: kernels,
    convKernels: extra.num_conv_kernels ?? Array(numConv).fill(1),
    finalKernel: extra.final_conv_kernel ?? 1,
    numKeypoints: head.out_channels,
  };
}

/** ResNet(depth, ...) with MMPose's defaults (stem 64, base 64, strides 1,2,2,2, no deep stem). */
export function expectedResNet(m: any): ResNetConfig {
  const b = m.backbone;
  const s = RESNET_DEPTHS[b.depth];
  const numStages = b.num_stages ?? 4;
  return {
    depth: b.depth,
    block: s.block,
    blocks: s.blocks.slice(0, numStages),
    inChannels: b.in_channels ?? 3,
    stemChannels: b.stem_channels ?? 64,
    baseChannels: b.base_channels ?? 64,
    deepStem: b.deep_stem ?? false,
    strides: b.strides ?? [1, 2, 2, 2].slice(0, numStages),
    head: expectedHead(m.head),
  };
}

/** HRNet(extra) as MMPose builds it: stem 64, stages 1..4 from `extra`. */
export function expectedHRNet(m: any): HRNetConfig {
  const extra = m.backbone.extra;
  const stage = (s: any) => ({
    numModules: s.num_modules,
    numBranches: s.num_branches,
    block: s.block === 'BASIC' ? ('basic' as const) : ('bottleneck' as const),
    numBlocks: s.num_blocks,
    numChannels: s.num_channels,
  });
  return {
    inChannels: m.backbone.in_channels ?? 3,
    stemChannels: 64,
    stages: [extra.stage1, extra.stage2, extra.stage3, extra.stage4].map(stage),
    multiscaleOutput: extra.stage4.multiscale_output ?? false,
    head: expectedHead(m.head),
  };
}
