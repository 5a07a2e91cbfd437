/** Key-set inspection for RSN/MSPN detection: what the state_dict's indices and shapes say about the config. */
import { PosePortError } from '../../core/errors.js';
import type { TensorSet } from '../../core/tensor.js';
import type { FamilyName } from '../family.js';
import { childCount, convBnWidth, hasPrefix, voteDim } from './keys.js';
import type { MsmuConfig } from './msmu-config.js';

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
