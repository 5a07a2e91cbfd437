/**
 * The state_dict entries ([name, shape, dtype], in module registration order) that
 * MMPose v0.12's RSN / MSPN + TopDownMSMUHead would have for any config, written from
 * the zoo README's naming facts. The tests first check that it reproduces every zoo
 * manifest exactly, then use it for configs no zoo row has (other unit, block, step
 * and stage counts) to show that the builders are general.
 */
import type { DType } from '../../../src/core/dtype.js';

export type Param = [string, number[], DType];

export interface GenConfig {
  family: 'rsn' | 'mspn';
  numStages: number;
  numUnits: number;
  numBlocks: number[];
  numSteps?: number;
  unitChannels?: number;
  keypoints?: number;
  /** add PRM entries to every predictor */
  prm?: boolean;
}

const STEM = 64;
const EXPAND = 26;

function bn(prefix: string, c: number): Param[] {
  return [
    [`${prefix}.weight`, [c], 'float32'],
    [`${prefix}.bias`, [c], 'float32'],
    [`${prefix}.running_mean`, [c], 'float32'],
    [`${prefix}.running_var`, [c], 'float32'],
    [`${prefix}.num_batches_tracked`, [], 'int64'],
  ];
}

/** ConvModule at `prefix`: conv (no bias) + bn. */
function cm(prefix: string, out: number, inPerGroup: number, k: number): Param[] {
  return [[`${prefix}.conv.weight`, [out, inPerGroup, k, k], 'float32'], ...bn(`${prefix}.bn`, out)];
}

function rsnBlock(prefix: string, inC: number, outC: number, stride: number, steps: number): Param[] {
  const w = Math.floor((inC * EXPAND) / STEM);
  const out: Param[] = [];
  if (stride !== 1 || inC !== outC) out.push(...cm(`${prefix}.downsample`, outC, inC, 1));
  out.push(...cm(`${prefix}.conv_bn_relu1`, steps * w, inC, 1));
  for (let i = 1; i <= steps; i++) for (let j = 1; j <= i; j++) out.push(...cm(`${prefix}.conv_bn_relu2_${i}_${j}`, w, w, 3));
  out.push(...cm(`${prefix}.conv_bn3`, outC, steps * w, 1));
  return out;
}

function mspnBlock(prefix: string, inC: number, outC: number, stride: number): Param[] {
  const mid = outC / 4;
  const out: Param[] = [
    [`${prefix}.conv1.weight`, [mid, inC, 1, 1], 'float32'],
    ...bn(`${prefix}.bn1`, mid),
    [`${prefix}.conv2.weight`, [mid, mid, 3, 3], 'float32'],
    ...bn(`${prefix}.bn2`, mid),
    [`${prefix}.conv3.weight`, [outC, mid, 1, 1], 'float32'],
    ...bn(`${prefix}.bn3`, outC),
  ];
  if (stride !== 1 || inC !== outC) out.push(...cm(`${prefix}.downsample`, outC, inC, 1));
  return out;
}

/** PRM entries under `prefix` (…predict_layers.<n>.prm) for K keypoints, in registration order. */
export function prmParams(prefix: string, K: number): Param[] {
  return [
    [`${prefix}.middle_path.0.weight`, [K, K], 'float32'],
    [`${prefix}.middle_path.0.bias`, [K], 'float32'],
    ...bn(`${prefix}.middle_path.1`, K),
    [`${prefix}.middle_path.3.weight`, [K, K], 'float32'],
    [`${prefix}.middle_path.3.bias`, [K], 'float32'],
    ...bn(`${prefix}.middle_path.4`, K),
    ...cm(`${prefix}.bottom_path.0`, K, K, 1),
    ...cm(`${prefix}.bottom_path.1.depthwise_conv`, K, 1, 9),
    ...cm(`${prefix}.bottom_path.1.pointwise_conv`, 1, K, 1),
    ...cm(`${prefix}.conv_bn_relu_prm_1`, K, K, 3),
  ];
}

/** What the two families' encoders differ in: the block's keys and the width expansion (RSB 1, bottleneck 4). */
const ENCODERS: Record<GenConfig['family'], { expansion: number; block(prefix: string, inC: number, outC: number, stride: number, c: GenConfig): Param[] }> = {
  rsn: { expansion: 1, block: (prefix, inC, outC, stride, c) => rsnBlock(prefix, inC, outC, stride, c.numSteps ?? 4) },
  mspn: { expansion: 4, block: (prefix, inC, outC, stride) => mspnBlock(prefix, inC, outC, stride) },
};

export function generateParams(c: GenConfig): Param[] {
  const unitC = c.unitChannels ?? 256;
  const K = c.keypoints ?? 17;
  const { expansion, block } = ENCODERS[c.family];
  const width = (u: number) => expansion * STEM * 2 ** u;
  const out: Param[] = [...cm('backbone.top.top.0', STEM, 3, 7)];
  for (let s = 0; s < c.numStages; s++) {
    const stage = `backbone.multi_stage_${c.family}.${s}`;
    let inC = STEM;
    for (let u = 0; u < c.numUnits; u++)
      for (let b = 0; b < c.numBlocks[u]; b++) {
        const prefix = `${stage}.downsample.layer${u + 1}.${b}`;
        const stride = b === 0 && u > 0 ? 2 : 1;
        out.push(...block(prefix, inC, width(u), stride, c));
        inC = width(u);
      }
    const last = s === c.numStages - 1;
    for (let k = 0; k < c.numUnits; k++) {
      const up = `${stage}.upsample.up${k + 1}`;
      const e = width(c.numUnits - 1 - k);
      out.push(...cm(`${up}.in_skip`, unitC, e, 1));
      if (k > 0) out.push(...cm(`${up}.up_conv`, unitC, unitC, 1));
      if (!last) out.push(...cm(`${up}.out_skip1`, e, e, 1), ...cm(`${up}.out_skip2`, e, unitC, 1));
      if (!last && k === c.numUnits - 1) out.push(...cm(`${up}.cross_conv`, STEM, unitC, 1));
    }
  }
  for (let n = 0; n < c.numStages * c.numUnits; n++) {
    const p = `keypoint_head.predict_layers.${n}`;
    if (c.prm) out.push(...prmParams(`${p}.prm`, K));
    out.push(...cm(`${p}.conv_layers.0`, unitC, unitC, 1), ...cm(`${p}.conv_layers.1`, K, unitC, 3));
  }
  return out;
}
