import { PosePortError } from '../core/errors.js';
import type { Detection, Family } from './family.js';

/**
 * The first place where `expected` (a preset's partial config) and `actual` (what the
 * keys say) differ, as [path, expected, actual]; null when every field the preset
 * names agrees. Fields the preset leaves out are not compared.
 */
export function firstDifference(expected: unknown, actual: unknown, path = ''): [string, unknown, unknown] | null {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return [path, expected, actual];
    // a list of sizes reads best whole: "numChannels = [48, 96]", not "numChannels[0] = 48"
    if (expected.every((v) => v === null || typeof v !== 'object'))
      return expected.every((v, i) => Object.is(v, actual[i])) ? null : [path, expected, actual];
    for (let i = 0; i < expected.length; i++) {
      const d = firstDifference(expected[i], actual[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return [path, expected, actual];
    for (const [k, v] of Object.entries(expected)) {
      const d = firstDifference(v, (actual as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
      if (d) return d;
    }
    return null;
  }
  return Object.is(expected, actual) ? null : [path, expected, actual];
}

/** Names of the presets whose facts all agree with `config`. */
export function matchingPresets(presets: Readonly<Record<string, unknown>>, config: unknown): string[] {
  return Object.entries(presets)
    .filter(([, facts]) => firstDifference(facts, config) === null)
    .map(([name]) => name);
}

/**
 * Why a requested preset (`--arch NAME`, a zoo row's) does not fit what the keys say, or
 * null when it does: ARCH_UNKNOWN for a name the family does not have, ARCH_MISMATCH
 * naming the family, or the field, the preset's value and the keys' value.
 */
export function presetError(family: Family<any>, presetName: string, detection: Detection): PosePortError | null {
  const facts = family.presets[presetName];
  if (!facts)
    return new PosePortError(
      'ARCH_UNKNOWN',
      `no preset '${presetName}' in family '${family.name}' (known: ${Object.keys(family.presets).join(', ')})`,
    );
  if (detection.family !== family.name)
    return new PosePortError(
      'ARCH_MISMATCH',
      `--arch ${presetName} is a ${family.name} preset, but the checkpoint keys are a ${detection.family} model` +
        (detection.preset ? ` (${detection.preset})` : ''),
      { details: { preset: presetName, detected: detection.family } },
    );
  const d = firstDifference(facts, detection.config);
  if (!d) return null;
  const [path, want, got] = d;
  return new PosePortError(
    'ARCH_MISMATCH',
    `--arch ${presetName} expects ${path} = ${JSON.stringify(want)}, but the checkpoint keys say ${JSON.stringify(got)}` +
      (detection.preset ? ` (they match preset '${detection.preset}')` : ''),
    { details: { preset: presetName, field: path, expected: want, actual: got, detectedPreset: detection.preset ?? null } },
  );
}

/** The one preset checker (convert's --arch and zoo row): throws presetError's error when there is one. */
export function checkPreset(family: Family<any>, presetName: string, detection: Detection): void {
  const e = presetError(family, presetName, detection);
  if (e) throw e;
}
