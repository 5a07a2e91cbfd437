import type { TensorSet } from '../../core/tensor.js';
import { Graph } from '../../ir/graph.js';
import type { Value } from '../../ir/types.js';
import type { BuildOptions, BuildResult } from '../family.js';
import { expansionOf, resLayer } from '../common/blocks.js';
import { convBnAct } from '../common/conv-bn.js';
import { simpleHead } from '../common/heads.js';
import { ParamReader } from '../common/params.js';
import { matchingPresets } from '../preset.js';
import { RESNET_PRESETS, type ResNetConfig } from './config.js';

const B = 'backbone';

/** A readable name for messages: the preset when the config is one, else the block counts. */
export function resnetName(c: ResNetConfig): string {
  return matchingPresets(RESNET_PRESETS, c)[0] ?? (c.depth ? `resnet${c.depth}` : `resnet(${c.block} ${c.blocks.join('/')})`);
}

/** Stem: conv7x7/2 - BN - ReLU (or the deep stem), then max-pool 3x3/2 pad 1. [N,C,H,W] -> [N,stem,H/4,W/4] */
function stem(p: ParamReader, x: Value, c: ResNetConfig): Value {
  let y = x;
  if (c.deepStem) {
    const half = c.stemChannels / 2;
    const widths = [half, half, c.stemChannels];
    widths.forEach((w, i) => {
      y = convBnAct(p, y, `${B}.stem.${i}.conv`, `${B}.stem.${i}.bn`, { k: 3, stride: i === 0 ? 2 : 1, pad: 1, outC: w, act: true });
    });
  } else {
    y = convBnAct(p, y, `${B}.conv1`, `${B}.bn1`, { k: 7, stride: 2, pad: 3, outC: c.stemChannels, act: true });
  }
  return p.graph.add('max_pool', [y], { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, { name: `${B}.maxpool` });
}

/**
 * input [N, inC, H, W] -> heatmaps [N, K, H/s, W/s] with s = 4 * prod(strides) / 2^deconvs
 * (H/4 for the SimpleBaseline rows). Every checkpoint tensor is taken exactly once.
 */
export function buildResNet(tensors: TensorSet, c: ResNetConfig, o: BuildOptions): BuildResult {
  const graph = new Graph();
  const p = new ParamReader(graph, tensors, resnetName(c));
  const [h, w] = o.inputSize;
  let x = graph.addInput('input', ['N', c.inChannels, h, w]);
  x = stem(p, x, c);
  c.blocks.forEach((n, i) => {
    x = resLayer(p, x, `${B}.layer${i + 1}`, { block: c.block, blocks: n, width: c.baseChannels * 2 ** i, stride: c.strides[i] });
  });
  const heads = simpleHead(p, x, { ...c.head, inChannels: c.baseChannels * 2 ** (c.blocks.length - 1) * expansionOf(c.block) });
  graph.markOutput(heads, 'heatmaps');
  const { consumed, ignored } = p.finish();
  graph.meta = { family: 'resnet', config: c, arch: resnetName(c), inputSize: [h, w] };
  return { graph, consumed, ignored };
}
