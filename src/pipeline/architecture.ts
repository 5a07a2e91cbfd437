/** Which architecture a checkpoint is: detection from its keys, checked against --arch and the zoo entry's preset. */
import { detectArchitecture, presetFamily, FAMILIES } from '../arch/index.js';
import type { Detection } from '../arch/family.js';
import { checkPreset, presetError } from '../arch/preset.js';
import { PosePortError } from '../core/errors.js';
import type { TensorSet } from '../core/tensor.js';
import type { ZooEntry } from '../zoo/types.js';

function describeKeys(ckpt: { tensors: TensorSet }): string {
  const prefixes = new Map<string, number>();
  for (const e of ckpt.tensors.entries) {
    const p = e.name.split('.').slice(0, 2).join('.');
    prefixes.set(p, (prefixes.get(p) ?? 0) + 1);
  }
  return [...prefixes].slice(0, 8).map(([p, n]) => `${p}.* (${n})`).join(', ');
}

/** Detects the family, then checks --arch and the zoo entry's preset against what the keys say. */
/** `ckpt`: the checkpoint's path (for errors) and its tensors (a `Checkpoint` is one). */
export function resolveArchitecture(ckpt: { path: string; tensors: TensorSet }, arch: string | undefined, zoo: ZooEntry | undefined): Detection {
  const detection = detectArchitecture(ckpt.tensors);
  if (!detection)
    throw new PosePortError(
      'ARCH_UNKNOWN',
      `the keys of '${ckpt.path}' match no known family (${FAMILIES.map((f) => f.name).join(', ')}); ${ckpt.tensors.entries.length} tensors: ${describeKeys(ckpt)}`,
      { file: ckpt.path },
    );
  for (const preset of [arch, zoo?.preset]) if (preset !== undefined) checkRequestedPreset(preset, detection);
  return detection;
}

/** Checks a preset named by --arch or a zoo row against what the keys say (ARCH_UNKNOWN, ARCH_MISMATCH). */
export function checkRequestedPreset(preset: string, detection: Detection): void {
  const family = presetFamily(preset);
  if (!family) throw new PosePortError('ARCH_UNKNOWN', `unknown --arch '${preset}'; presets: ${listPresets().join(', ')}`, { details: { arch: preset } });
  checkPreset(family, preset, detection);
}

/** Whether `preset` (a zoo row's) agrees with what the keys say: the rows a checkpoint can be without an ARCH_MISMATCH. */
export function presetAgrees(preset: string, detection: Detection): boolean {
  const family = presetFamily(preset);
  return family !== undefined && presetError(family, preset, detection) === null;
}

export function listPresets(): string[] {
  return FAMILIES.flatMap((f) => Object.keys(f.presets));
}
