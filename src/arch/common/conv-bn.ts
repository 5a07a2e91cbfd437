import type { Value } from '../../ir/types.js';
import type { ParamReader } from './params.js';

export interface ConvOpts {
  /** kernel size (square) */
  k: number;
  stride?: number;
  /** symmetric padding; default floor(k/2) */
  pad?: number;
  group?: number;
  /** expected [outC, inC/group] — checked against the checkpoint; null = any */
  outC?: number | null;
  inC?: number | null;
  /** include `${prefix}.bias` (only heads' final layers have one) */
  bias?: boolean;
}

/** BN eps of every MMPose layer in scope (zoo README). */
export const BN_EPS = 1e-5;

/** A bias-free (or biased) 2-D convolution reading `${key}.weight` [outC, inC/g, k, k]. */
export function conv(p: ParamReader, x: Value, key: string, o: ConvOpts): Value {
  const s = o.stride ?? 1;
  const pad = o.pad ?? Math.floor(o.k / 2);
  const group = o.group ?? 1;
  const inC = o.inC === undefined ? (typeof x.shape[1] === 'number' ? x.shape[1] / group : null) : o.inC;
  const w = p.take(`${key}.weight`, [o.outC ?? null, inC, o.k, o.k]);
  const inputs = [x, w];
  if (o.bias) inputs.push(p.take(`${key}.bias`, [w.shape[0] as number]));
  return p.graph.add('conv', inputs, { strides: [s, s], pads: [pad, pad, pad, pad], dilations: [1, 1], group }, { origin: key });
}

/** Inference batch norm reading `${key}.{weight,bias,running_mean,running_var}`. */
export function batchNorm(p: ParamReader, x: Value, key: string): Value {
  const c = x.shape[1] as number;
  const params = ['weight', 'bias', 'running_mean', 'running_var'].map((leaf) => p.take(`${key}.${leaf}`, [c]));
  return p.graph.add('batch_norm', [x, ...params], { epsilon: BN_EPS }, { origin: key });
}

export function relu(p: ParamReader, x: Value, origin?: string): Value {
  return p.graph.add('relu', [x], {}, { origin, name: origin ? `${origin}.relu` : 'relu' });
}

export function add(p: ParamReader, a: Value, b: Value, origin?: string): Value {
  return p.graph.add('add', [a, b], {}, { origin, name: origin ? `${origin}.add` : 'add' });
}

/**
 * conv -> BN (-> ReLU). `convKey`/`bnKey` are the full prefixes, e.g. for an MMPose
 * ConvModule at P: convBnAct(p, x, `${P}.conv`, `${P}.bn`, ...); torchvision-style
 * `conv1`/`bn1` pairs pass their own keys.
 */
export function convBnAct(p: ParamReader, x: Value, convKey: string, bnKey: string, o: ConvOpts & { act: boolean }): Value {
  let y = conv(p, x, convKey, o);
  y = batchNorm(p, y, bnKey);
  return o.act ? relu(p, y, bnKey) : y;
}

/** An MMPose ConvModule at `prefix` (`conv` + `bn`, optional ReLU). */
export function convModule(p: ParamReader, x: Value, prefix: string, o: { k: number; outC: number; stride?: number; act: boolean; group?: number }): Value {
  return convBnAct(p, x, `${prefix}.conv`, `${prefix}.bn`, { k: o.k, stride: o.stride ?? 1, outC: o.outC, group: o.group, act: o.act });
}
