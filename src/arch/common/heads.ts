/**
 * MMPose's TopDownSimpleHead (`keypoint_heads/top_down_simple_head.py`, v0.12): zero or
 * more deconvolutions (ConvTranspose stride 2, no bias, BN, ReLU), optional extra
 * conv-BN-ReLU layers (`extra.num_conv_layers`), then the final conv with bias
 * (`extra.final_conv_kernel` 1 or 3; 0 means no final layer).
 *
 * Keys under the head prefix H (normally `keypoint_head`):
 *   H.deconv_layers.<3i>.weight        [in, out, k, k]   (index 3i+2 is the ReLU)
 *   H.deconv_layers.<3i+1>.*           BN
 *   H.final_layer.{weight,bias}        when there are no extra conv layers
 *   H.final_layer.<3j>.{weight,bias}   extra conv j (with bias), H.final_layer.<3j+1>.* its BN,
 *   H.final_layer.<3n>.{weight,bias}   the final conv after n extra convs
 */
import { PosePortError } from '../../core/errors.js';
import type { TensorSet } from '../../core/tensor.js';
import type { Value } from '../../ir/types.js';
import type { ConfigField } from '../family.js';
import { batchNorm, conv, relu } from './conv-bn.js';
import { childIndices, convBnWidth, shapeOrMissing, voteDim } from './keys.js';
import type { ParamReader } from './params.js';

export interface SimpleHeadConfig {
  /** channels of the feature map the head reads */
  inChannels: number;
  /** number of deconvolutions (0..n); equals deconvChannels.length */
  deconvLayers: number;
  /** output channels of each deconvolution */
  deconvChannels: number[];
  /** kernel of each deconvolution: 2, 3 or 4 */
  deconvKernels: number[];
  /** kernels of the extra conv-BN-ReLU layers (`extra.num_conv_kernels`), usually none */
  convKernels: number[];
  /** kernel of the final conv: 1 or 3, or 0 for none (identity) */
  finalKernel: 0 | 1 | 3;
  /** heatmap channels */
  numKeypoints: number;
}

/**
 * The head's config fields the keys determine (0.x TopDownSimpleHead and 1.x HeatmapHead
 * names; a field a config does not state is not compared). 1.x `deconv_out_channels=None`
 * means no deconvolutions.
 */
export function simpleHeadConfigFields(cfg: SimpleHeadConfig): ConfigField[] {
  return [
    { field: 'in_channels', keys: cfg.inChannels },
    { field: 'num_deconv_layers', keys: cfg.deconvLayers },
    { field: 'deconv_out_channels', keys: cfg.deconvChannels, none: { means: 0, keys: cfg.deconvLayers } },
  ];
}

/** Padding and output padding of a deconvolution, as TopDownBaseHead._get_deconv_cfg picks them. */
export function deconvPadding(kernel: number): { pad: number; outputPadding: number } {
  switch (kernel) {
    case 4:
      return { pad: 1, outputPadding: 0 };
    case 3:
      return { pad: 1, outputPadding: 1 };
    case 2:
      return { pad: 0, outputPadding: 0 };
    default:
      throw new PosePortError('ARCH_UNKNOWN', `deconvolution kernel ${kernel} is not one TopDownSimpleHead supports (2, 3, 4)`);
  }
}

/** Output stride gain of the head: each deconvolution doubles the resolution. */
export function headUpsampling(cfg: SimpleHeadConfig): number {
  return 2 ** cfg.deconvLayers;
}

/**
 * The head's config from its keys and shapes. `inChannels` is what the backbone feeds
 * the head (checked against the first weight by the builder, not here).
 */
export function detectSimpleHead(tensors: TensorSet, inChannels: number, prefix = 'keypoint_head'): SimpleHeadConfig {
  const deconvIdx = childIndices(tensors, `${prefix}.deconv_layers`);
  const deconvChannels: number[] = [];
  const deconvKernels: number[] = [];
  const nDeconv = deconvIdx.length ? Math.floor(deconvIdx[deconvIdx.length - 1] / 3) + 1 : 0;
  for (let i = 0; i < nDeconv; i++) {
    const key = `${prefix}.deconv_layers.${3 * i}.weight`;
    const s = shapeOrMissing(tensors, key, `deconvolution ${i} of the head`);
    if (s.length !== 4 || s[2] !== s[3])
      throw new PosePortError('SHAPE_MISMATCH', `'${key}' has shape [${s.join(', ')}], expected [in, out, k, k]`, { key });
    deconvPadding(s[2]);
    const bn = `${prefix}.deconv_layers.${3 * i + 1}`;
    deconvChannels.push(voteDim(tensors, [[key, 1], ...convBnWidth(bn, bn).slice(1)], `the width of deconvolution ${i}`));
    deconvKernels.push(s[2]);
  }
  const fin = `${prefix}.final_layer`;
  const finalIdx = childIndices(tensors, fin);
  const convKernels: number[] = [];
  let finalKey: string | null = null;
  if (finalIdx.length) {
    const n = Math.floor(finalIdx[finalIdx.length - 1] / 3);
    for (let j = 0; j < n; j++) {
      const key = `${fin}.${3 * j}.weight`;
      convKernels.push(shapeOrMissing(tensors, key, `extra conv ${j} of the head`)[2]);
    }
    finalKey = `${fin}.${3 * n}.weight`;
  } else if (tensors.has(`${fin}.weight`) || tensors.has(`${fin}.bias`)) {
    finalKey = `${fin}.weight`;
  }
  let finalKernel: 0 | 1 | 3 = 0;
  let numKeypoints = deconvChannels.length ? deconvChannels[deconvChannels.length - 1] : inChannels;
  if (finalKey) {
    const s = shapeOrMissing(tensors, finalKey, 'the keypoint count');
    if (s.length !== 4 || s[2] !== s[3] || (s[2] !== 1 && s[2] !== 3))
      throw new PosePortError('SHAPE_MISMATCH', `'${finalKey}' has shape [${s.join(', ')}], expected [K, C, 1|3, 1|3]`, { key: finalKey });
    finalKernel = s[2] as 1 | 3;
    numKeypoints = s[0];
  }
  return { inChannels, deconvLayers: nDeconv, deconvChannels, deconvKernels, convKernels, finalKernel, numKeypoints };
}

/** x: [N, inChannels, h, w] -> heatmaps [N, K, h * 2^deconvLayers, w * 2^deconvLayers] */
export function simpleHead(p: ParamReader, x: Value, cfg: SimpleHeadConfig, prefix = 'keypoint_head'): Value {
  if (cfg.deconvChannels.length !== cfg.deconvLayers || cfg.deconvKernels.length !== cfg.deconvLayers)
    throw new PosePortError(
      'ARCH_MISMATCH',
      `head config has ${cfg.deconvLayers} deconvolution layers but ${cfg.deconvChannels.length} widths and ${cfg.deconvKernels.length} kernels`,
    );
  let y = x;
  for (let i = 0; i < cfg.deconvLayers; i++) {
    const k = cfg.deconvKernels[i];
    const { pad, outputPadding } = deconvPadding(k);
    const key = `${prefix}.deconv_layers.${3 * i}`;
    const w = p.take(`${key}.weight`, [y.shape[1] as number, cfg.deconvChannels[i], k, k]);
    y = p.graph.add(
      'conv_transpose',
      [y, w],
      { strides: [2, 2], pads: [pad, pad, pad, pad], outputPadding: [outputPadding, outputPadding], group: 1 },
      { origin: key },
    );
    const bnKey = `${prefix}.deconv_layers.${3 * i + 1}`;
    y = relu(p, batchNorm(p, y, bnKey), bnKey);
  }
  if (cfg.finalKernel === 0) {
    if (cfg.convKernels.length)
      throw new PosePortError('ARCH_MISMATCH', 'head config has extra conv layers but no final layer (final_conv_kernel 0)');
    return y;
  }
  const fin = `${prefix}.final_layer`;
  const c = y.shape[1] as number;
  cfg.convKernels.forEach((k, j) => {
    y = conv(p, y, `${fin}.${3 * j}`, { k, pad: Math.floor((k - 1) / 2), outC: c, bias: true });
    y = relu(p, batchNorm(p, y, `${fin}.${3 * j + 1}`), `${fin}.${3 * j + 1}`);
  });
  const finalKey = cfg.convKernels.length ? `${fin}.${3 * cfg.convKernels.length}` : fin;
  const k = cfg.finalKernel;
  return conv(p, y, finalKey, { k, pad: k === 3 ? 1 : 0, outC: cfg.numKeypoints, bias: true });
}
