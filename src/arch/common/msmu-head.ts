/**
 * TopDownMSMUHead (MMPose `keypoint_heads/top_down_multi_stage_head.py`): one predictor
 * per stage and unit, the optional pose refine machine, and the heatmap outputs.
 */
import type { Graph } from '../../ir/graph.js';
import type { Value } from '../../ir/types.js';
import { add, batchNorm, convModule, relu } from './conv-bn.js';
import type { MsmuConfig } from './msmu-config.js';
import type { ParamReader } from './params.js';

/** PredictHeatmap: 1x1 ConvModule + ReLU, 3x3 ConvModule to K, bilinear resize, PRM. */
export function predictHeatmap(p: ParamReader, prefix: string, x: Value, cfg: MsmuConfig, outShape: readonly [number, number]): Value {
  const K = cfg.head.outChannels;
  let y = convModule(p, x, `${prefix}.conv_layers.0`, { k: 1, outC: cfg.unitChannels, act: true });
  y = convModule(p, y, `${prefix}.conv_layers.1`, { k: 3, outC: K, act: false });
  y = p.graph.add('resize', [y], { mode: 'bilinear_align_corners', size: [outShape[0], outShape[1]] }, { name: `${prefix}.interpolate` });
  if (cfg.head.usePrm) y = poseRefineMachine(p, `${prefix}.prm`, y);
  return y;
}

/**
 * PRM (RSN paper): with out1 = ConvModule3x3(x),
 *   g = sigmoid(relu(bn(linear(relu(bn(linear(avgpool(out1))))))))   [N, K, 1, 1]
 *   m = sigmoid(relu(bn(pw(relu(bn(dw9x9(relu(bn(conv1x1(out1))))))))))  [N, 1, H, W]
 *   out = out1 * (1 + g * m)  computed as out1 + out1 * (g * m)
 * The linear layers run as 1x1 convolutions on [N, K, 1, 1]; BN1d as batch norm.
 */
export function poseRefineMachine(p: ParamReader, prefix: string, x: Value): Value {
  const g = p.graph;
  const K = x.shape[1] as number;
  const out1 = convModule(p, x, `${prefix}.conv_bn_relu_prm_1`, { k: 3, outC: K, act: true });
  // middle path: global pooling -> (Linear, BN1d, ReLU) x 2 -> Sigmoid
  let mid = g.add('global_avg_pool', [out1], {}, { name: `${prefix}.global_pooling` });
  for (const [lin, bn] of [
    [0, 1],
    [3, 4],
  ] as const) {
    mid = linearAsConv(p, mid, `${prefix}.middle_path.${lin}`, K);
    mid = batchNorm(p, mid, `${prefix}.middle_path.${bn}`);
    mid = relu(p, mid, `${prefix}.middle_path.${bn}`);
  }
  mid = g.add('sigmoid', [mid], {}, { name: `${prefix}.middle_path.6` });
  // bottom path: ConvModule 1x1, depthwise 9x9 ConvModule, pointwise ConvModule to 1 channel, Sigmoid
  let bot = convModule(p, out1, `${prefix}.bottom_path.0`, { k: 1, outC: K, act: true });
  bot = convModule(p, bot, `${prefix}.bottom_path.1.depthwise_conv`, { k: 9, outC: K, group: K, act: true });
  bot = convModule(p, bot, `${prefix}.bottom_path.1.pointwise_conv`, { k: 1, outC: 1, act: true });
  bot = g.add('sigmoid', [bot], {}, { name: `${prefix}.bottom_path.2` });
  const gate = g.add('mul', [mid, bot], {}, { name: `${prefix}.gate` });
  const refined = g.add('mul', [out1, gate], {}, { name: `${prefix}.refine` });
  return add(p, out1, refined, prefix);
}

/** nn.Linear(K, K) at `key` applied to [N, K, 1, 1] as a 1x1 convolution (weight [K, K] viewed [K, K, 1, 1]). */
function linearAsConv(p: ParamReader, x: Value, key: string, outC: number): Value {
  const inC = x.shape[1] as number;
  const w2 = p.take(`${key}.weight`, [outC, inC]);
  const w = p.graph.add('reshape', [w2], { shape: [outC, inC, 1, 1] }, { name: `${key}.weight_4d`, origin: key });
  const b = p.take(`${key}.bias`, [outC]);
  return p.graph.add('conv', [x, w, b], { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 }, { origin: key });
}

/**
 * The outputs of a network of S stages and U units, in graph order: the last stage's last
 * unit is `heatmaps` (TopDownMSMUHead's test-time output); with `all`, every other stage s
 * and unit k follows as `heatmaps_s<s>_u<k>` (k = 0 reads the lowest resolution decoder
 * unit `up1`, k = U-1 the highest).
 */
export function msmuOutputs(S: number, U: number, all: boolean): { name: string; stage: number; unit: number }[] {
  const out = [{ name: 'heatmaps', stage: S - 1, unit: U - 1 }];
  if (all)
    for (let s = 0; s < S; s++)
      for (let k = 0; k < U; k++) if (s !== S - 1 || k !== U - 1) out.push({ name: `heatmaps_s${s}_u${k}`, stage: s, unit: k });
  return out;
}

/** Marks the outputs `msmuOutputs` names on heatmaps[stage][unit]; returns their names. */
export function markHeatmapOutputs(g: Graph, heatmaps: Value[][], all: boolean): string[] {
  const outs = msmuOutputs(heatmaps.length, heatmaps[heatmaps.length - 1].length, all);
  for (const o of outs) g.markOutput(heatmaps[o.stage][o.unit], o.name);
  return outs.map((o) => o.name);
}
