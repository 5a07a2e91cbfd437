/**
 * The pieces RSN and MSPN share (MMPose v0.12 `backbones/rsn.py`, `backbones/mspn.py`,
 * `keypoint_heads/top_down_multi_stage_head.py`): the stem, the per-stage encoder
 * driver with its cross-stage skips, the decoder ("upsample") units, the multi-stage
 * multi-unit heatmap head (TopDownMSMUHead) wiring. The config is in ./msmu-config.ts,
 * the head's predictors in ./msmu-head.ts, key-set inspection in ./msmu-keys.ts.
 *
 * Data flow of one stage s (U units, u = 0 is the highest resolution):
 *
 *   x ──layer1──(+skip1[0]+skip2[0])──layer2── ... ──layerU──   encoder (e_0 .. e_{U-1})
 *   decoder unit k = 0..U-1 reads e_{U-1-k}: up1 is the lowest resolution (stride 32)
 *     out_k = relu(in_skip(e) + up_conv(resize(out_{k-1})))      (no up_conv for k = 0)
 *     all stages but the last: skip1 = out_skip1(e), skip2 = out_skip2(out_k) feed
 *     stage s+1's encoder unit U-1-k; cross_conv(out_{U-1}) is stage s+1's input
 *   head predict_layers[s*U + k](out_k) -> K heatmaps resized to out_shape
 */
import { PosePortError } from '../../core/errors.js';
import type { TensorSet } from '../../core/tensor.js';
import { Graph } from '../../ir/graph.js';
import type { Value } from '../../ir/types.js';
import type { BuildOptions, BuildResult, FamilyName } from '../family.js';
import { add, convBnAct, convModule, relu } from './conv-bn.js';
import { heatmapSize, type EncoderSpec, type MsmuConfig } from './msmu-config.js';
import { markHeatmapOutputs, predictHeatmap } from './msmu-head.js';
import { ParamReader } from './params.js';

/** The stem `backbone.top.top`: 7x7/2 conv, BN, ReLU (index 0), 3x3/2 max-pool (index 1). */
export function stem(p: ParamReader, x: Value, channels: number): Value {
  const y = convBnAct(p, x, 'backbone.top.top.0.conv', 'backbone.top.top.0.bn', { k: 7, stride: 2, pad: 3, outC: channels, inC: 3, act: true });
  return p.graph.add('max_pool', [y], { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, { name: 'backbone.top.top.1' });
}

interface DecoderOut {
  out: Value;
  skip1?: Value;
  skip2?: Value;
  cross?: Value;
}

/**
 * Decoder unit `up<k+1>`: `e` is the encoder feature it pairs with, `prev` the
 * previous (lower-resolution) decoder output, absent for k = 0.
 */
function decoderUnit(
  p: ParamReader,
  prefix: string,
  e: Value,
  prev: Value | undefined,
  o: { unitChannels: number; genSkip: boolean; genCross: boolean; crossChannels: number },
): DecoderOut {
  const inC = e.shape[1] as number;
  let out = convModule(p, e, `${prefix}.in_skip`, { k: 1, outC: o.unitChannels, act: false });
  if (prev) {
    const size: [number, number] = [e.shape[2] as number, e.shape[3] as number];
    let up = p.graph.add('resize', [prev], { mode: 'bilinear_align_corners', size }, { name: `${prefix}.interpolate` });
    up = convModule(p, up, `${prefix}.up_conv`, { k: 1, outC: o.unitChannels, act: false });
    out = add(p, out, up, prefix);
  }
  out = relu(p, out, prefix);
  const r: DecoderOut = { out };
  if (o.genSkip) {
    r.skip1 = convModule(p, e, `${prefix}.out_skip1`, { k: 1, outC: inC, act: true });
    r.skip2 = convModule(p, out, `${prefix}.out_skip2`, { k: 1, outC: inC, act: true });
  }
  if (o.genCross) r.cross = convModule(p, out, `${prefix}.cross_conv`, { k: 1, outC: o.crossChannels, act: true });
  return r;
}

/**
 * Backbone + head for any stage/unit/block count: returns heatmaps[stage][unit]
 * (unit 0 = lowest resolution decoder unit, as MMPose orders predict_layers).
 */
export function buildMultiStage<C extends MsmuConfig>(
  p: ParamReader,
  input: Value,
  cfg: C,
  enc: EncoderSpec<C>,
  outShape: readonly [number, number],
): Value[][] {
  const S = cfg.numStages;
  const U = cfg.numUnits;
  let x = stem(p, input, cfg.stemChannels);
  let skip1: Value[] | undefined;
  let skip2: Value[] | undefined;
  const heatmaps: Value[][] = [];
  for (let s = 0; s < S; s++) {
    const prefix = `backbone.${enc.stageKey}.${s}`;
    // encoder
    const feats: Value[] = [];
    let inC = cfg.stemChannels;
    for (let u = 0; u < U; u++) {
      const outC = enc.unitWidth(cfg, u);
      for (let b = 0; b < cfg.numBlocks[u]; b++) {
        const stride = b === 0 && u > 0 ? 2 : 1;
        x = enc.block(p, x, `${prefix}.downsample.layer${u + 1}.${b}`, cfg, { unit: u, block: b, stride, inC, outC });
        inC = outC;
      }
      if (skip1 && skip2) {
        x = add(p, x, skip1[u], `${prefix}.downsample.layer${u + 1}.skip1`);
        x = add(p, x, skip2[u], `${prefix}.downsample.layer${u + 1}.skip2`);
      }
      feats.push(x);
    }
    // decoder: unit k pairs with encoder unit U-1-k
    const last = s === S - 1;
    const outs: Value[] = [];
    const nextSkip1: Value[] = new Array(U);
    const nextSkip2: Value[] = new Array(U);
    let cross: Value | undefined;
    for (let k = 0; k < U; k++) {
      const r = decoderUnit(p, `${prefix}.upsample.up${k + 1}`, feats[U - 1 - k], outs[k - 1], {
        unitChannels: cfg.unitChannels,
        genSkip: !last,
        genCross: !last && k === U - 1,
        crossChannels: cfg.stemChannels,
      });
      outs.push(r.out);
      if (r.skip1 && r.skip2) {
        nextSkip1[U - 1 - k] = r.skip1;
        nextSkip2[U - 1 - k] = r.skip2;
      }
      if (r.cross) cross = r.cross;
    }
    // head predictors of this stage
    heatmaps.push(outs.map((o, k) => predictHeatmap(p, `keypoint_head.predict_layers.${s * U + k}`, o, cfg, outShape)));
    if (!last) {
      skip1 = nextSkip1;
      skip2 = nextSkip2;
      x = cross as Value;
    }
  }
  return heatmaps;
}

/**
 * The whole family build: input `input` [N, 3, H, W] -> `heatmaps` [N, K, h, w] (the
 * last stage's last unit, TopDownMSMUHead's test-time output), plus with
 * `allOutputs` every other stage/unit as `heatmaps_s<s>_u<k>`; checks that every
 * checkpoint tensor was consumed.
 */
export function buildMsmuGraph<C extends MsmuConfig>(
  tensors: TensorSet,
  cfg: C,
  enc: EncoderSpec<C>,
  options: BuildOptions,
  about: { family: FamilyName; arch: string; facts: Record<string, unknown> },
): BuildResult {
  const [H, W] = options.inputSize;
  if (!Number.isInteger(H) || !Number.isInteger(W) || H < 32 || W < 32)
    throw new PosePortError('USAGE', `input size [${H}, ${W}] for '${about.arch}': height and width must be integers >= 32 (the encoder downsamples 32x)`);
  const g = new Graph();
  const p = new ParamReader(g, tensors, about.arch);
  const input = g.addInput('input', ['N', 3, H, W]);
  const outShape = heatmapSize(cfg, options.inputSize);
  const heatmaps = buildMultiStage(p, input, cfg, enc, outShape);
  const outputs = markHeatmapOutputs(g, heatmaps, options.allOutputs ?? false);
  const { consumed, ignored } = p.finish();
  g.meta = {
    family: about.family,
    arch: about.arch,
    config: structuredClone(cfg),
    facts: about.facts,
    keypoints: cfg.head.outChannels,
    inputSize: [H, W],
    heatmapSize: outShape,
    outputs,
  };
  return { graph: g, consumed, ignored };
}
