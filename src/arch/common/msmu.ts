/**
 * The pieces RSN and MSPN share (MMPose v0.12 `backbones/rsn.py`, `backbones/mspn.py`,
 * `keypoint_heads/top_down_multi_stage_head.py`): the stem, the per-stage encoder
 * driver with its cross-stage skips, the decoder ("upsample") units, the multi-stage
 * multi-unit heatmap head (TopDownMSMUHead) with the optional pose refine machine,
 * and key-set inspection for detection and preset checks.
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
import type { BuildOptions, BuildResult, Detection, FamilyName } from '../family.js';
import { add, batchNorm, convBnAct, relu } from './conv-bn.js';
import { childCount, convBnWidth, hasPrefix, voteDim } from './keys.js';
import { ParamReader } from './params.js';

export interface MsmuHeadConfig {
  /**
   * [height, width] of the heatmaps (the head's `out_shape`). Weights cannot tell it;
   * when absent the build uses input / 4 (the stride of the last decoder unit), which
   * is [64, 48] for the 256x192 zoo rows.
   */
  outShape?: readonly [number, number];
  /** K, heatmap channels */
  outChannels: number;
  /** pose refine machine after every predictor (keys `predict_layers.<n>.prm.*`) */
  usePrm: boolean;
}

/** Config common to RSN and MSPN (MMPose backbone + TopDownMSMUHead arguments). */
export interface MsmuConfig {
  numStages: number;
  /** encoder/decoder units per stage (4 in every zoo row) */
  numUnits: number;
  /** blocks per encoder unit, length numUnits */
  numBlocks: number[];
  /** decoder width (`unit_channels`, 256) */
  unitChannels: number;
  /** stem output width (`res_top_channels`, 64) */
  stemChannels: number;
  head: MsmuHeadConfig;
}

/** What differs between RSN and MSPN: the encoder block and the encoder widths. */
export interface EncoderSpec<C extends MsmuConfig> {
  /** 'multi_stage_rsn' | 'multi_stage_mspn' */
  readonly stageKey: string;
  /** output width of encoder unit u (0-based) */
  unitWidth(cfg: C, u: number): number;
  /** block b of encoder unit u at `prefix` (…downsample.layer<u+1>.<b>) */
  block(p: ParamReader, x: Value, prefix: string, cfg: C, where: BlockPlace): Value;
}

export interface BlockPlace {
  unit: number;
  block: number;
  /** 2 on block 0 of units 1.. (downsampling), else 1 */
  stride: number;
  inC: number;
  outC: number;
}

/** The stem `backbone.top.top`: 7x7/2 conv, BN, ReLU (index 0), 3x3/2 max-pool (index 1). */
export function stem(p: ParamReader, x: Value, channels: number): Value {
  const y = convBnAct(p, x, 'backbone.top.top.0.conv', 'backbone.top.top.0.bn', { k: 7, stride: 2, pad: 3, outC: channels, inC: 3, act: true });
  return p.graph.add('max_pool', [y], { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, { name: 'backbone.top.top.1' });
}

/** An MMPose ConvModule at `prefix` (`conv` + `bn`, optional ReLU). */
export function convModule(p: ParamReader, x: Value, prefix: string, o: { k: number; outC: number; stride?: number; act: boolean; group?: number }): Value {
  return convBnAct(p, x, `${prefix}.conv`, `${prefix}.bn`, { k: o.k, stride: o.stride ?? 1, outC: o.outC, group: o.group, act: o.act });
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

/** The resolved heatmap size: the config's out_shape, else input / 4. */
export function heatmapSize(cfg: MsmuConfig, inputSize: readonly [number, number]): [number, number] {
  if (cfg.head.outShape) return [cfg.head.outShape[0], cfg.head.outShape[1]];
  return [Math.floor(inputSize[0] / 4), Math.floor(inputSize[1] / 4)];
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

// ---------------------------------------------------------------------------
// key-set inspection (detection)

/** Largest number captured by group 1 over the keys matching `re`, or -1 when none matches. */
export function maxKeyIndex(tensors: TensorSet, re: RegExp): number {
  let n = -1;
  for (const e of tensors.entries) {
    const m = re.exec(e.name);
    if (m) n = Math.max(n, Number(m[1]));
  }
  return n;
}

/** `s` with regular-expression metacharacters escaped. */
export function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The MsmuConfig part the keys show, for a state_dict with `backbone.<stageKey>.*`;
 * null when no key has that prefix. Counts come from indices (stages from
 * `<stageKey>.<s>`, units from `downsample.layer<u>`, blocks per unit from
 * `layer<u>.<b>` of stage 0), widths from shapes (voted over a conv and its BN, so a
 * single mis-shaped tensor is reported by the builder instead of changing the
 * config), PRM from any `predict_layers.<n>.prm.*` key.
 */
export function inspectMultiStage(tensors: TensorSet, stageKey: string, family: FamilyName): MsmuConfig | null {
  const base = `backbone.${stageKey}`;
  if (!hasPrefix(tensors, base)) return null;
  const numStages = childCount(tensors, base);
  const numUnits = maxKeyIndex(tensors, new RegExp(`^${escapeRe(base)}\\.0\\.downsample\\.layer(\\d+)\\.`));
  if (numUnits < 1)
    throw new PosePortError('KEY_MISSING', `no '${base}.0.downsample.layer<u>.*' keys: cannot count the ${family} encoder units`, {
      key: `${base}.0.downsample.layer1`,
    });
  const numBlocks: number[] = [];
  for (let u = 1; u <= numUnits; u++) numBlocks.push(childCount(tensors, `${base}.0.downsample.layer${u}`));
  const stemChannels = voteDim(tensors, convBnWidth('backbone.top.top.0.conv', 'backbone.top.top.0.bn'), `the ${family} stem width`);
  const up1 = `${base}.0.upsample.up1.in_skip`;
  const unitChannels = voteDim(tensors, convBnWidth(`${up1}.conv`, `${up1}.bn`), `the ${family} unit channels`);
  const k = 'keypoint_head.predict_layers.0.conv_layers.1';
  const outChannels = voteDim(tensors, convBnWidth(`${k}.conv`, `${k}.bn`), 'the keypoint count');
  const usePrm = tensors.entries.some((e) => /^keypoint_head\.predict_layers\.\d+\.prm\./.test(e.name));
  return { numStages, numUnits, numBlocks, unitChannels, stemChannels, head: { outChannels, usePrm } };
}

// ---------------------------------------------------------------------------
// presets

/** How each config field is named in messages ("keys show 2 stages, preset 'rsn50' has 1"). */
const FIELD_WORDS: Record<string, string> = {
  numStages: 'stages',
  numUnits: 'units per stage',
  numBlocks: 'blocks per unit',
  numSteps: 'steps per block',
  expandTimes: 'expand times',
  unitChannels: 'unit channels',
  stemChannels: 'stem channels',
};

function show(v: unknown): string {
  return Array.isArray(v) ? `[${v.join(', ')}]` : String(v);
}

/** The preset fields that differ from `config`, phrased "keys show X <what>, preset 'p' has Y". */
export function presetMismatches(presetName: string, preset: Readonly<Record<string, unknown>>, config: Readonly<Record<string, unknown>>): string[] {
  const out: string[] = [];
  for (const [field, want] of Object.entries(preset)) {
    const have = config[field];
    if (show(have) !== show(want)) out.push(`keys show ${show(have)} ${FIELD_WORDS[field] ?? field}, preset '${presetName}' has ${show(want)}`);
  }
  return out;
}

/** The name of the first preset whose every field equals `config`'s, if any. */
export function matchingPreset(presets: Readonly<Record<string, Readonly<Record<string, unknown>>>>, config: Readonly<Record<string, unknown>>): string | undefined {
  return Object.keys(presets).find((name) => presetMismatches(name, presets[name], config).length === 0);
}

/**
 * Checks that a detection agrees with a user-chosen preset (`--arch`); throws
 * ARCH_MISMATCH naming what the keys say. `presetFamily` is the family owning the
 * preset, `presets` its preset table.
 */
export function assertPresetMatches(
  detection: Detection<unknown>,
  presetName: string,
  presetFamily: FamilyName,
  presets: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
): void {
  const preset = presets[presetName];
  if (!preset) throw new PosePortError('ARCH_UNKNOWN', `no preset '${presetName}' in family '${presetFamily}' (known: ${Object.keys(presets).join(', ')})`);
  if (detection.family !== presetFamily)
    throw new PosePortError(
      'ARCH_MISMATCH',
      `keys show a '${detection.family}' network${detection.preset ? ` ('${detection.preset}')` : ''}, preset '${presetName}' is '${presetFamily}'`,
      { details: { detected: detection.family, preset: presetName } },
    );
  const diffs = presetMismatches(presetName, preset, detection.config as Record<string, unknown>);
  if (diffs.length)
    throw new PosePortError('ARCH_MISMATCH', `${diffs.join('; ')}${detection.preset ? ` (the keys match preset '${detection.preset}')` : ''}`, {
      details: { preset: presetName, detectedPreset: detection.preset, mismatches: diffs },
    });
}

/** Facts for `inspect` from a config. */
export function msmuFacts(cfg: MsmuConfig, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    stages: cfg.numStages,
    units: cfg.numUnits,
    blocks: [...cfg.numBlocks],
    ...extra,
    unitChannels: cfg.unitChannels,
    stemChannels: cfg.stemChannels,
    keypoints: cfg.head.outChannels,
    usePrm: cfg.head.usePrm,
    outShape: cfg.head.outShape ? [...cfg.head.outShape] : 'input/4',
  };
}

/** Checks a config at the API boundary (numbers positive, lengths agree). */
export function validateMsmuConfig(cfg: MsmuConfig, family: FamilyName): void {
  const bad = (what: string) => {
    throw new PosePortError('ARCH_MISMATCH', `invalid ${family} config: ${what}`);
  };
  const posInt = (v: unknown) => Number.isInteger(v) && (v as number) > 0;
  if (!posInt(cfg.numStages)) bad(`numStages ${cfg.numStages}`);
  if (!posInt(cfg.numUnits) || cfg.numUnits < 2) bad(`numUnits ${cfg.numUnits} (needs >= 2)`);
  if (cfg.numBlocks.length !== cfg.numUnits) bad(`numBlocks has ${cfg.numBlocks.length} entries for ${cfg.numUnits} units`);
  if (!cfg.numBlocks.every(posInt)) bad(`numBlocks [${cfg.numBlocks.join(', ')}]`);
  if (!posInt(cfg.unitChannels) || !posInt(cfg.stemChannels) || !posInt(cfg.head.outChannels)) bad('channel counts must be positive');
  if (cfg.head.outShape && !cfg.head.outShape.every(posInt)) bad(`outShape [${cfg.head.outShape.join(', ')}]`);
}

/** Marks outputs: `heatmaps` = last stage's last unit; with `all`, `heatmaps_s<s>_u<k>` for every other one. */
export function markHeatmapOutputs(g: Graph, heatmaps: Value[][], all: boolean): string[] {
  const S = heatmaps.length;
  const U = heatmaps[S - 1].length;
  g.markOutput(heatmaps[S - 1][U - 1], 'heatmaps');
  const names = ['heatmaps'];
  if (all)
    for (let s = 0; s < S; s++)
      for (let k = 0; k < U; k++) {
        if (s === S - 1 && k === U - 1) continue;
        const name = allOutputName(s, k);
        g.markOutput(heatmaps[s][k], name);
        names.push(name);
      }
  return names;
}

/**
 * Name of stage s / unit k's heatmaps under `allOutputs` (k = 0 reads the lowest
 * resolution decoder unit `up1`, k = U-1 the highest). The last stage's last unit is
 * the main output `heatmaps` and has no second name.
 */
export function allOutputName(stage: number, unit: number): string {
  return `heatmaps_s${stage}_u${unit}`;
}
