import { PosePortError } from '../../core/errors.js';
import type { TensorSet } from '../../core/tensor.js';
import { Graph } from '../../ir/graph.js';
import type { Value } from '../../ir/types.js';
import type { BuildOptions, BuildResult } from '../family.js';
import { expansionOf, resLayer } from '../common/blocks.js';
import { add, batchNorm, conv, convBnAct, relu } from '../common/conv-bn.js';
import { simpleHead } from '../common/heads.js';
import { ParamReader } from '../common/params.js';
import { matchingPresets } from '../preset.js';
import { HRNET_PRESETS, type HRNetConfig, type HRNetStageConfig } from './config.js';

const B = 'backbone';

export function hrnetName(c: HRNetConfig): string {
  return matchingPresets(HRNET_PRESETS, c)[0] ?? `hrnet(${c.stages.map((s) => s.numChannels.join('/')).join(' ')})`;
}

/**
 * `transition<t>` (t = stage index k >= 1): from the previous stage's outputs `ys`
 * (widths `pre`) to the inputs of stage k (widths `cur`).
 * - an existing branch i whose width changes: `.<i>.0` conv3x3/1 + `.<i>.1` BN + ReLU;
 * - a new branch i: `i - pre.length + 1` steps `.<i>.<j>.{0,1}` of conv3x3/2 + BN + ReLU,
 *   all `pre[-1]` wide except the last, which gives `cur[i]`;
 * - otherwise the branch passes through.
 * As in MMPose's HRNet.forward, every transition reads the previous stage's LAST output
 * (`y_list[-1]`), also for a width change of an existing branch (the same tensor when
 * that branch is the last one, the only case whose shapes work).
 */
function transition(p: ParamReader, ys: Value[], t: number, cur: number[]): Value[] {
  const pre = ys.map((y) => y.shape[1] as number);
  const from = ys[ys.length - 1];
  const key = `${B}.transition${t}`;
  return cur.map((w, i) => {
    if (i < pre.length) {
      if (w === pre[i]) return ys[i];
      return convBnAct(p, from, `${key}.${i}.0`, `${key}.${i}.1`, { k: 3, stride: 1, pad: 1, outC: w, act: true });
    }
    let z = from;
    for (let j = 0; j <= i - pre.length; j++) {
      const outC = j === i - pre.length ? w : pre[pre.length - 1];
      z = convBnAct(p, z, `${key}.${i}.${j}.0`, `${key}.${i}.${j}.1`, { k: 3, stride: 2, pad: 1, outC, act: true });
    }
    return z;
  });
}

/**
 * The path `fuse_layers.<i>.<j>` from branch j into output branch i (j != i):
 * j > i: conv1x1 + BN + nearest upsample x2^(j-i); j < i: (i-j) steps conv3x3/2 + BN,
 * with ReLU after every step but the last.
 */
function fusePath(p: ParamReader, x: Value, prefix: string, i: number, j: number, widths: number[]): Value {
  if (j > i) {
    let y = conv(p, x, `${prefix}.0`, { k: 1, pad: 0, outC: widths[i] });
    y = batchNorm(p, y, `${prefix}.1`);
    const f = 2 ** (j - i);
    return p.graph.add('resize', [y], { mode: 'nearest', scale: [f, f] }, { name: `${prefix}.2`, origin: prefix });
  }
  let y = x;
  for (let s = 0; s < i - j; s++) {
    const lastStep = s === i - j - 1;
    y = convBnAct(p, y, `${prefix}.${s}.0`, `${prefix}.${s}.1`, { k: 3, stride: 2, pad: 1, outC: lastStep ? widths[i] : widths[j], act: !lastStep });
  }
  return y;
}

/** One HRModule `stage<k>.<m>`: branches of residual blocks, then (with 2+ branches) the fuse layers. */
function hrModule(p: ParamReader, xs: Value[], prefix: string, s: HRNetStageConfig, multiscale: boolean): Value[] {
  if (xs.length !== s.numBranches)
    throw new PosePortError('GRAPH_INVALID', `'${prefix}' expects ${s.numBranches} inputs, got ${xs.length}`);
  const bs = xs.map((x, br) => resLayer(p, x, `${prefix}.branches.${br}`, { block: s.block, blocks: s.numBlocks[br], width: s.numChannels[br] }));
  if (s.numBranches === 1) return bs;
  const widths = bs.map((b) => b.shape[1] as number);
  const nOut = multiscale ? s.numBranches : 1;
  const out: Value[] = [];
  for (let i = 0; i < nOut; i++) {
    let y: Value | null = null;
    for (let j = 0; j < s.numBranches; j++) {
      const t = j === i ? bs[j] : fusePath(p, bs[j], `${prefix}.fuse_layers.${i}.${j}`, i, j, widths);
      y = y ? add(p, y, t, `${prefix}.fuse_layers.${i}`) : t;
    }
    out.push(relu(p, y!, `${prefix}.fuse_layers.${i}`));
  }
  return out;
}

/**
 * input [N, inC, H, W] -> heatmaps [N, K, H/4 * 2^deconvs, W/4 * 2^deconvs] from the
 * highest-resolution branch. Every checkpoint tensor is taken exactly once.
 */
export function buildHRNet(tensors: TensorSet, c: HRNetConfig, o: BuildOptions): BuildResult {
  if (c.stages.length < 2 || c.stages[0].numBranches !== 1 || c.stages[0].numModules !== 1)
    throw new PosePortError('ARCH_MISMATCH', `HRNet config needs stage1 with one module and one branch, then at least one more stage`);
  const graph = new Graph();
  const p = new ParamReader(graph, tensors, hrnetName(c));
  const [h, w] = o.inputSize;
  let x = graph.addInput('input', ['N', c.inChannels, h, w]);
  x = convBnAct(p, x, `${B}.conv1`, `${B}.bn1`, { k: 3, stride: 2, pad: 1, outC: c.stemChannels, act: true });
  x = convBnAct(p, x, `${B}.conv2`, `${B}.bn2`, { k: 3, stride: 2, pad: 1, outC: c.stemChannels, act: true });
  const s1 = c.stages[0];
  x = resLayer(p, x, `${B}.layer1`, { block: s1.block, blocks: s1.numBlocks[0], width: s1.numChannels[0] });
  let ys = [x];
  for (let k = 1; k < c.stages.length; k++) {
    const s = c.stages[k];
    const cur = s.numChannels.map((w) => w * expansionOf(s.block));
    let xs = transition(p, ys, k, cur);
    for (let m = 0; m < s.numModules; m++) {
      const lastModule = k === c.stages.length - 1 && m === s.numModules - 1;
      xs = hrModule(p, xs, `${B}.stage${k + 1}.${m}`, s, !lastModule || c.multiscaleOutput);
    }
    ys = xs;
  }
  const heads = simpleHead(p, ys[0], { ...c.head, inChannels: ys[0].shape[1] as number });
  graph.markOutput(heads, 'heatmaps');
  const { consumed, ignored } = p.finish();
  graph.meta = { family: 'hrnet', config: c, arch: hrnetName(c), inputSize: [h, w] };
  return { graph, consumed, ignored };
}
