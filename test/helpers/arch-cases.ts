/**
 * Family-agnostic checks of a key set: detect (through the registry, as `convert`
 * does), optionally check a requested preset, then build. And the edits the error
 * tests apply to a manifest's key set.
 */
import { detectArchitecture, familyByName } from '../../src/arch/index.js';
import type { BuildResult, Detection } from '../../src/arch/family.js';
import { checkPreset } from '../../src/arch/preset.js';
import type { TensorSet } from '../../src/core/tensor.js';
import { readManifest } from './ckpt.js';

export function detectAndBuild(
  tensors: TensorSet,
  inputSize: readonly [number, number],
  preset?: string,
): { detection: Detection; built: BuildResult } {
  const detection = detectArchitecture(tensors);
  if (!detection) throw new Error('no family detected');
  const family = familyByName(detection.family);
  if (preset) checkPreset(family, preset, detection);
  return { detection, built: family.build(tensors, detection.config, { inputSize }) };
}

/**
 * About `n` keys of the manifest spread over the whole key list (first and last
 * included) plus the `always` keys, `num_batches_tracked` left out: the keys the error
 * tests edit.
 */
export function sampleKeys(model: string, n: number, always: readonly string[] = []): { name: string; shape: number[] }[] {
  const params = (readManifest(model).params as [string, number[], string][]).filter(([k]) => !k.endsWith('num_batches_tracked'));
  const step = Math.max(1, (params.length - 1) / (n - 1));
  const picked = new Set<number>();
  for (let i = 0; i < n; i++) picked.add(Math.min(params.length - 1, Math.round(i * step)));
  for (const k of always) {
    const i = params.findIndex(([name]) => name === k);
    if (i < 0) throw new Error(`sampleKeys: '${k}' is not in ${model}`);
    picked.add(i);
  }
  return [...picked].map((i) => ({ name: params[i][0], shape: params[i][1] }));
}

/** The shape with one input-side dimension changed: dim 1 of a weight (inC, or a deconv's outC), else dim 0. */
export function alteredShape(shape: readonly number[]): number[] {
  const s = [...shape];
  s[s.length >= 2 ? 1 : 0] += 1;
  return s;
}
