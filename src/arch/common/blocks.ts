/**
 * Residual blocks of MMPose's ResNet (`mmpose/models/backbones/resnet.py`), used by the
 * ResNet and HRNet backbones and by MSPN's encoder. Keys are read under the block's
 * full prefix P: `P.conv1`, `P.bn1`, `P.conv2`, `P.bn2` (and `P.conv3`, `P.bn3` for a
 * bottleneck), plain torch layers, not ConvModules. The projection shortcut, when the
 * block has one, is named by the caller (`torchvisionShortcut(P)` for
 * `P.downsample.{0,1}`, MSPN passes `P.downsample.{conv,bn}`).
 *
 * Both blocks compute relu(main(x) + shortcut(x)) with BN in inference mode.
 */
import type { Value } from '../../ir/types.js';
import { add, batchNorm, conv, relu } from './conv-bn.js';
import type { ParamReader } from './params.js';

/** Full key prefixes of a projection shortcut: a 1x1 conv (no bias) and its BN. */
export interface ShortcutKeys {
  conv: string;
  bn: string;
}

/** `P.downsample.0` (1x1 conv) and `P.downsample.1` (BN), as torchvision and MMPose's ResLayer name them. */
export function torchvisionShortcut(prefix: string): ShortcutKeys {
  return { conv: `${prefix}.downsample.0`, bn: `${prefix}.downsample.1` };
}

export interface BlockOptions {
  /** output channels of the block (a bottleneck's mid width times its expansion) */
  outC: number;
  /** stride of the block (default 1) */
  stride?: number;
  /** projection shortcut (1x1 conv with the block's stride + BN); absent: identity */
  shortcut?: ShortcutKeys | null;
}

export interface BottleneckOptions extends BlockOptions {
  /** width of conv1/conv2; default outC / 4 (MMPose's expansion 4) */
  midC?: number;
  /** 'pytorch' (default): the stride is on conv2 (3x3); 'caffe': on conv1 (1x1) */
  style?: 'pytorch' | 'caffe';
}

/** The shortcut branch: identity, or conv1x1(stride) + BN. */
function shortcutOf(p: ParamReader, x: Value, stride: number, outC: number, keys: ShortcutKeys | null | undefined): Value {
  if (!keys) return x;
  const y = conv(p, x, keys.conv, { k: 1, stride, pad: 0, outC });
  return batchNorm(p, y, keys.bn);
}

/**
 * BasicBlock (expansion 1): conv3x3(stride) - BN - ReLU - conv3x3 - BN, + shortcut, ReLU.
 * x: [N, inC, H, W] -> [N, outC, H/stride, W/stride]
 */
export function basicBlock(p: ParamReader, x: Value, prefix: string, o: BlockOptions): Value {
  const s = o.stride ?? 1;
  let y = conv(p, x, `${prefix}.conv1`, { k: 3, stride: s, pad: 1, outC: o.outC });
  y = relu(p, batchNorm(p, y, `${prefix}.bn1`), `${prefix}.bn1`);
  y = conv(p, y, `${prefix}.conv2`, { k: 3, pad: 1, outC: o.outC });
  y = batchNorm(p, y, `${prefix}.bn2`);
  const identity = shortcutOf(p, x, s, o.outC, o.shortcut);
  return relu(p, add(p, y, identity, prefix), prefix);
}

/**
 * Bottleneck: conv1x1 - BN - ReLU - conv3x3 - BN - ReLU - conv1x1 - BN, + shortcut, ReLU.
 * x: [N, inC, H, W] -> [N, outC, H/stride, W/stride]
 */
export function bottleneck(p: ParamReader, x: Value, prefix: string, o: BottleneckOptions): Value {
  const s = o.stride ?? 1;
  const mid = o.midC ?? o.outC / 4;
  const [s1, s2] = (o.style ?? 'pytorch') === 'pytorch' ? [1, s] : [s, 1];
  let y = conv(p, x, `${prefix}.conv1`, { k: 1, stride: s1, pad: 0, outC: mid });
  y = relu(p, batchNorm(p, y, `${prefix}.bn1`), `${prefix}.bn1`);
  y = conv(p, y, `${prefix}.conv2`, { k: 3, stride: s2, pad: 1, outC: mid });
  y = relu(p, batchNorm(p, y, `${prefix}.bn2`), `${prefix}.bn2`);
  y = conv(p, y, `${prefix}.conv3`, { k: 1, pad: 0, outC: o.outC });
  y = batchNorm(p, y, `${prefix}.bn3`);
  const identity = shortcutOf(p, x, s, o.outC, o.shortcut);
  return relu(p, add(p, y, identity, prefix), prefix);
}

export type BlockType = 'basic' | 'bottleneck';

/** Expansion of MMPose's blocks: out channels = width * expansion. */
export function expansionOf(block: BlockType): number {
  return block === 'basic' ? 1 : 4;
}

/**
 * A ResLayer as MMPose's ResNet and HRNet build it (downsample first): `n` blocks under
 * `${prefix}.<b>`; block 0 carries the stride and, when the stride is not 1 or the
 * width changes, the `downsample.{0,1}` projection. `width` is the mid width (the
 * output is width * expansion).
 */
export function resLayer(
  p: ParamReader,
  x: Value,
  prefix: string,
  o: { block: BlockType; blocks: number; width: number; stride?: number },
): Value {
  const outC = o.width * expansionOf(o.block);
  const stride = o.stride ?? 1;
  let y = x;
  for (let b = 0; b < o.blocks; b++) {
    const key = `${prefix}.${b}`;
    const first = b === 0;
    const shortcut = first && (stride !== 1 || y.shape[1] !== outC) ? torchvisionShortcut(key) : null;
    const opts = { outC, stride: first ? stride : 1, shortcut };
    y = o.block === 'basic' ? basicBlock(p, y, key, opts) : bottleneck(p, y, key, { ...opts, midC: o.width });
  }
  return y;
}
