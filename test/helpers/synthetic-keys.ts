/**
 * State_dict layouts for configs the zoo does not have, written the way MMPose v0.12
 * registers its modules (resnet.py, hrnet.py, top_down_simple_head.py): lets the
 * builders' generality (depths, block types, widths, branch counts, stages, head
 * variants) be tested without PyTorch. Data comes from manifest-tensors' generator.
 */
import { tensorSetOf, type TensorEntry, type TensorSet } from '../../src/core/tensor.js';
import type { BlockType } from '../../src/arch/common/blocks.js';
import type { SimpleHeadConfig } from '../../src/arch/common/heads.js';
import type { HRNetConfig } from '../../src/arch/hrnet/index.js';
import type { ResNetConfig } from '../../src/arch/resnet/index.js';
import { entryOf } from './manifest-tensors.js';

type Keys = [string, number[]][];

function bn(keys: Keys, p: string, c: number): void {
  for (const leaf of ['weight', 'bias', 'running_mean', 'running_var']) keys.push([`${p}.${leaf}`, [c]]);
  keys.push([`${p}.num_batches_tracked`, []]);
}

function convW(keys: Keys, p: string, out: number, inC: number, k: number): void {
  keys.push([`${p}.weight`, [out, inC, k, k]]);
}

/** Block `p` of MMPose's ResLayer: in -> width * expansion, with `downsample.{0,1}` when asked. */
function block(keys: Keys, p: string, type: BlockType, inC: number, width: number, downsample: boolean): number {
  const out = type === 'basic' ? width : width * 4;
  if (type === 'basic') {
    convW(keys, `${p}.conv1`, width, inC, 3);
    bn(keys, `${p}.bn1`, width);
    convW(keys, `${p}.conv2`, out, width, 3);
    bn(keys, `${p}.bn2`, out);
  } else {
    convW(keys, `${p}.conv1`, width, inC, 1);
    bn(keys, `${p}.bn1`, width);
    convW(keys, `${p}.conv2`, width, width, 3);
    bn(keys, `${p}.bn2`, width);
    convW(keys, `${p}.conv3`, out, width, 1);
    bn(keys, `${p}.bn3`, out);
  }
  if (downsample) {
    convW(keys, `${p}.downsample.0`, out, inC, 1);
    bn(keys, `${p}.downsample.1`, out);
  }
  return out;
}

function layer(keys: Keys, p: string, type: BlockType, inC: number, width: number, n: number, stride: number): number {
  const out = type === 'basic' ? width : width * 4;
  let c = inC;
  for (let b = 0; b < n; b++) c = block(keys, `${p}.${b}`, type, c, width, b === 0 && (stride !== 1 || inC !== out));
  return c;
}

function head(keys: Keys, h: SimpleHeadConfig, inC: number): void {
  let c = inC;
  h.deconvChannels.forEach((w, i) => {
    keys.push([`keypoint_head.deconv_layers.${3 * i}.weight`, [c, w, h.deconvKernels[i], h.deconvKernels[i]]]);
    bn(keys, `keypoint_head.deconv_layers.${3 * i + 1}`, w);
    c = w;
  });
  if (h.finalKernel === 0) return;
  h.convKernels.forEach((k, j) => {
    keys.push([`keypoint_head.final_layer.${3 * j}.weight`, [c, c, k, k]], [`keypoint_head.final_layer.${3 * j}.bias`, [c]]);
    bn(keys, `keypoint_head.final_layer.${3 * j + 1}`, c);
  });
  const fin = h.convKernels.length ? `keypoint_head.final_layer.${3 * h.convKernels.length}` : 'keypoint_head.final_layer';
  keys.push([`${fin}.weight`, [h.numKeypoints, c, h.finalKernel, h.finalKernel]], [`${fin}.bias`, [h.numKeypoints]]);
}

function toSet(keys: Keys): TensorSet {
  const entries: TensorEntry[] = keys.map(([k, s]) => (s.length ? entryOf(k, s) : entryOf(k, s, 'int64')));
  return tensorSetOf(entries);
}

/** ResNet(...) + TopDownSimpleHead as MMPose registers them. */
export function resnetKeys(c: ResNetConfig): TensorSet {
  const keys: Keys = [];
  if (c.deepStem) {
    const half = c.stemChannels / 2;
    [
      [half, c.inChannels],
      [half, half],
      [c.stemChannels, half],
    ].forEach(([o, i], s) => {
      convW(keys, `backbone.stem.${s}.conv`, o, i, 3);
      bn(keys, `backbone.stem.${s}.bn`, o);
    });
  } else {
    convW(keys, 'backbone.conv1', c.stemChannels, c.inChannels, 7);
    bn(keys, 'backbone.bn1', c.stemChannels);
  }
  let ch = c.stemChannels;
  c.blocks.forEach((n, i) => {
    ch = layer(keys, `backbone.layer${i + 1}`, c.block, ch, c.baseChannels * 2 ** i, n, c.strides[i]);
  });
  head(keys, c.head, ch);
  return toSet(keys);
}

/** HRNet(extra) + TopDownSimpleHead as MMPose registers them (any number of stages). */
export function hrnetKeys(c: HRNetConfig): TensorSet {
  const keys: Keys = [];
  const exp = (b: BlockType) => (b === 'basic' ? 1 : 4);
  convW(keys, 'backbone.conv1', c.stemChannels, c.inChannels, 3);
  bn(keys, 'backbone.bn1', c.stemChannels);
  convW(keys, 'backbone.conv2', c.stemChannels, c.stemChannels, 3);
  bn(keys, 'backbone.bn2', c.stemChannels);
  const s1 = c.stages[0];
  let pre = [layer(keys, 'backbone.layer1', s1.block, c.stemChannels, s1.numChannels[0], s1.numBlocks[0], 1)];
  for (let k = 1; k < c.stages.length; k++) {
    const s = c.stages[k];
    const cur = s.numChannels.map((w) => w * exp(s.block));
    const t = `backbone.transition${k}`;
    cur.forEach((w, i) => {
      if (i < pre.length) {
        if (w !== pre[i]) {
          convW(keys, `${t}.${i}.0`, w, pre[i], 3);
          bn(keys, `${t}.${i}.1`, w);
        }
        return;
      }
      for (let j = 0; j <= i - pre.length; j++) {
        const inC = pre[pre.length - 1];
        const out = j === i - pre.length ? w : inC;
        convW(keys, `${t}.${i}.${j}.0`, out, inC, 3);
        bn(keys, `${t}.${i}.${j}.1`, out);
      }
    });
    let inCs = cur;
    for (let m = 0; m < s.numModules; m++) {
      const p = `backbone.stage${k + 1}.${m}`;
      const outs = inCs.map((inC, br) => layer(keys, `${p}.branches.${br}`, s.block, inC, s.numChannels[br], s.numBlocks[br], 1));
      const lastModule = k === c.stages.length - 1 && m === s.numModules - 1;
      const nOut = s.numBranches === 1 ? 0 : lastModule && !c.multiscaleOutput ? 1 : s.numBranches;
      for (let i = 0; i < nOut; i++)
        for (let j = 0; j < s.numBranches; j++) {
          const f = `${p}.fuse_layers.${i}.${j}`;
          if (j > i) {
            convW(keys, `${f}.0`, outs[i], outs[j], 1);
            bn(keys, `${f}.1`, outs[i]);
          } else if (j < i)
            for (let st = 0; st < i - j; st++) {
              const out = st === i - j - 1 ? outs[i] : outs[j];
              convW(keys, `${f}.${st}.0`, out, outs[j], 3);
              bn(keys, `${f}.${st}.1`, out);
            }
        }
      inCs = outs;
    }
    pre = inCs;
  }
  head(keys, c.head, pre[0]);
  return toSet(keys);
}
