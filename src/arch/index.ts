import { PosePortError } from '../core/errors.js';
import type { TensorSet } from '../core/tensor.js';
import type { Detection, Family, FamilyName } from './family.js';
import { hrnet } from './hrnet/index.js';
import { mspnFamily } from './mspn/index.js';
import { resnet } from './resnet/index.js';
import { rsnFamily } from './rsn/index.js';

/**
 * The registry of architecture families. Each family module adds itself here
 * (one line each); detection tries them in order and the first match wins.
 */
export const FAMILIES: Family<any>[] = [resnet, hrnet, rsnFamily, mspnFamily];

export function familyByName(name: FamilyName): Family<any> {
  const f = FAMILIES.find((x) => x.name === name);
  if (!f) throw new PosePortError('ARCH_UNKNOWN', `no family '${name}' (known: ${FAMILIES.map((x) => x.name).join(', ')})`);
  return f;
}

/** The family and config the key set and shapes say, or null when none matches. */
export function detectArchitecture(tensors: TensorSet): Detection | null {
  for (const f of FAMILIES) {
    const d = f.detect(tensors);
    if (d) return d;
  }
  return null;
}

/** Every preset name across families, mapped to its family. */
export function presetFamily(preset: string): Family<any> | undefined {
  return FAMILIES.find((f) => Object.hasOwn(f.presets, preset));
}
