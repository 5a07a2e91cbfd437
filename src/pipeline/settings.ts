/**
 * One precedence for every input- and decode-relevant setting of a conversion:
 *
 *   flags  >  zoo row (sha256 or --zoo)  >  the checkpoint's config  >  family defaults
 *
 * Each resolved setting records where it came from (`sources`, written into the model
 * metadata); a zoo row that disagrees with the checkpoint's config is reported; a
 * setting that falls back to a family default is a warning naming it, and an error
 * (SETTING_DEFAULTED, exit 2) under `strict`.
 */
import type { FamilyName } from '../arch/family.js';
import { familyByName } from '../arch/index.js';
import type { CheckpointConfig, KeypointSet } from '../config/index.js';
import { PosePortError } from '../core/errors.js';
import type { ModelMetadata } from '../artifact/metadata.js';
import { DATASETS, datasetForKeypoints } from '../eval/datasets.js';
import type { ZooEntry } from '../zoo/types.js';

export type SettingOrigin = 'flag' | 'zoo' | 'config' | 'default';

export interface SettingSource {
  from: SettingOrigin;
  /** the flag, zoo row, config field or default it came from */
  detail: string;
}

/** The settings the metadata's input, decode and keypoint fields are made of. */
export interface ResolvedSettings {
  dataset: ModelMetadata['dataset'];
  keypoints: KeypointSet;
  inputSizeHW: [number, number];
  normalize: { mean: [number, number, number]; std: [number, number, number] };
  decode: ModelMetadata['decode'];
  /** setting name -> where it came from */
  sources: Record<string, SettingSource>;
  /** settings where the zoo row and the checkpoint's config disagree (the zoo row's value is used) */
  disagreements: { setting: string; zoo: unknown; config: unknown; field: string }[];
  warnings: string[];
}

export interface SettingInputs {
  family: FamilyName;
  numKeypoints: number;
  file: string;
  inputSizeFlag?: readonly [number, number];
  zoo?: ZooEntry;
  config: CheckpointConfig | null;
  strict?: boolean;
}

const IMAGENET = { mean: [0.485, 0.456, 0.406] as [number, number, number], std: [0.229, 0.224, 0.225] as [number, number, number] };

/** the decoding the family's head defaults to (Family.defaults) */
function familyDecode(family: FamilyName): ModelMetadata['decode'] {
  return { ...familyByName(family).defaults.decode };
}

function builtinKeypoints(name: 'coco' | 'coco_wholebody' | 'mpii', flipPairs?: readonly (readonly [number, number])[]): KeypointSet {
  const ds = DATASETS[name];
  return {
    datasetName: name,
    names: [...ds.keypoints],
    flipPairs: (flipPairs ?? ds.flipPairs).map(([a, b]) => [a, b] as [number, number]),
    skeleton: ds.skeleton.map(([a, b]) => [a, b] as [number, number]),
    sigmas: ds.sigmas ? [...ds.sigmas] : null,
  };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function resolveSettings(inp: SettingInputs): ResolvedSettings {
  const s = inp.config?.settings ?? null;
  const zoo = inp.zoo;
  const sources: Record<string, SettingSource> = {};
  const disagreements: ResolvedSettings['disagreements'] = [];
  const warnings: string[] = [];
  const defaulted: string[] = [];
  const noConfig = inp.config === null ? 'the checkpoint carries no config' : inp.config.refused ? `its config was not read (${inp.config.refused})` : 'its config does not state it';

  /** picks flag > zoo > config > default for one setting */
  function pick<T>(
    name: string,
    flag: T | undefined,
    fromZoo: T | undefined,
    fromConfig: { value: T; field: string } | undefined,
    fallback: { value: T; detail: string },
  ): T {
    if (fromZoo !== undefined && fromConfig !== undefined && !same(fromZoo, fromConfig.value))
      disagreements.push({ setting: name, zoo: fromZoo, config: fromConfig.value, field: fromConfig.field });
    if (flag !== undefined) {
      sources[name] = { from: 'flag', detail: `--${name === 'input.size_hw' ? 'input-size' : name}` };
      return flag;
    }
    if (fromZoo !== undefined) {
      sources[name] = { from: 'zoo', detail: zoo!.name };
      return fromZoo;
    }
    if (fromConfig !== undefined) {
      sources[name] = { from: 'config', detail: `meta['${inp.config!.metaKey}'] ${fromConfig.field}` };
      return fromConfig.value;
    }
    sources[name] = { from: 'default', detail: fallback.detail };
    defaulted.push(name);
    warnings.push(`${name}: ${noConfig}; using the ${fallback.detail} ${JSON.stringify(fallback.value)}`);
    return fallback.value;
  }

  // keypoints: the zoo row's dataset, else the config's set or dataset, else the built-in set of that size
  const byCount = datasetForKeypoints(inp.numKeypoints);
  let keypoints: KeypointSet;
  let dataset: ModelMetadata['dataset'];
  if (zoo) {
    keypoints = builtinKeypoints(zoo.dataset, zoo.config.flip_pairs);
    dataset = zoo.dataset;
    sources.keypoints = { from: 'zoo', detail: zoo.name };
    if (s?.keypoints && !same(s.keypoints.value.flipPairs, keypoints.flipPairs))
      disagreements.push({ setting: 'flip_pairs', zoo: keypoints.flipPairs, config: s.keypoints.value.flipPairs, field: s.keypoints.field });
  } else if (s?.keypoints) {
    keypoints = s.keypoints.value;
    const named = s.dataset?.value ?? byCount?.name;
    dataset = named && DATASETS[named].numKeypoints === keypoints.names.length && same(DATASETS[named].keypoints, keypoints.names) ? named : 'custom';
    if (dataset !== 'custom' && keypoints.sigmas === null) keypoints = { ...keypoints, sigmas: builtinKeypoints(dataset).sigmas };
    sources.keypoints = { from: 'config', detail: `meta['${inp.config!.metaKey}'] ${s.keypoints.field}` };
  } else if (s?.dataset && DATASETS[s.dataset.value].numKeypoints === inp.numKeypoints) {
    keypoints = builtinKeypoints(s.dataset.value);
    dataset = s.dataset.value;
    sources.keypoints = { from: 'config', detail: `meta['${inp.config!.metaKey}'] ${s.dataset.field} (pose-port's ${dataset} definition)` };
  } else if (byCount) {
    keypoints = builtinKeypoints(byCount.name);
    dataset = byCount.name;
    sources.keypoints = { from: 'default', detail: `the ${byCount.name} set (${inp.numKeypoints} keypoints)` };
    defaulted.push('keypoints');
    warnings.push(`keypoints: ${noConfig}; using the ${byCount.name} keypoint set, which has the same count (${inp.numKeypoints})`);
  } else
    throw new PosePortError(
      'ARCH_UNKNOWN',
      `${inp.numKeypoints} keypoints match no built-in dataset (coco 17, coco_wholebody 133, mpii 16) and ${noConfig.replace(/ it$/, ' the keypoints')}: a config with dataset_info (keypoint_info, skeleton_info, sigmas) names them`,
      { file: inp.file },
    );

  const defaultSize: [number, number] = dataset === 'mpii' ? [256, 256] : [256, 192];
  const inputSizeHW = pick<[number, number]>(
    'input.size_hw',
    inp.inputSizeFlag ? [inp.inputSizeFlag[0], inp.inputSizeFlag[1]] : undefined,
    zoo ? [zoo.input.height, zoo.input.width] : undefined,
    s?.inputSizeHW,
    { value: defaultSize, detail: `${dataset} default input size` },
  );
  const normalize = pick(
    'input.normalize',
    undefined,
    zoo ? { mean: [...zoo.config.normalize.mean], std: [...zoo.config.normalize.std] } : undefined,
    s?.normalize,
    { value: IMAGENET, detail: 'ImageNet mean/std' },
  ) as ResolvedSettings['normalize'];
  const fd = familyDecode(inp.family);
  const zt = zoo?.config.test_cfg;
  const fam = `${inp.family} family default`;
  const decode: ModelMetadata['decode'] = {
    method: pick('decode.method', undefined, zt?.post_process, s?.method, { value: fd.method, detail: fam }),
    flip_test: pick('decode.flip_test', undefined, zt?.flip_test, s?.flipTest, { value: fd.flip_test, detail: fam }),
    shift_heatmap: pick('decode.shift_heatmap', undefined, zt?.shift_heatmap, s?.shiftHeatmap, { value: fd.shift_heatmap, detail: fam }),
    modulate_kernel: pick('decode.modulate_kernel', undefined, zt?.modulate_kernel, s?.modulateKernel, { value: fd.modulate_kernel!, detail: fam }),
  };
  for (const d of disagreements)
    warnings.push(`zoo row ${zoo!.name} and the checkpoint's config disagree on ${d.setting}: zoo ${JSON.stringify(d.zoo)}, config ${d.field} ${JSON.stringify(d.config)} (the zoo row's is used)`);
  if (inp.strict && defaulted.length > 0)
    throw new PosePortError(
      'SETTING_DEFAULTED',
      `--strict: ${defaulted.join(', ')} would fall back to defaults (${noConfig}); name a zoo row (--zoo) or convert a checkpoint whose config states them`,
      { file: inp.file, details: { defaulted } },
    );
  return { dataset, keypoints, inputSizeHW, normalize, decode, sources, disagreements, warnings };
}
