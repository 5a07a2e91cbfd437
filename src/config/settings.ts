/**
 * What conversion takes from a checkpoint's MMPose config, each fact with the config
 * field it was read from, and the typed accessors the 0.x and 1.x readers share.
 */
import { PosePortError } from '../core/errors.js';
import { PyDict, isUnreadable, pyTypeName, type PyValue } from './value.js';

export type DecodeMethod = 'default' | 'unbiased' | 'megvii';
export type BuiltinDataset = 'coco' | 'coco_wholebody' | 'mpii';

/** A fact and the config field (dotted path, or `meta.dataset_meta...`) it came from. */
export interface Sourced<T> {
  value: T;
  /** e.g. 'model.test_cfg.post_process'; '(absent: MMPose default)' appended when MMPose's default for a missing key applies */
  field: string;
}

/** A keypoint set named by the config (dataset_info / dataset_meta). */
export interface KeypointSet {
  datasetName: string | null;
  names: string[];
  flipPairs: [number, number][];
  skeleton: [number, number][];
  /** OKS sigmas, one per keypoint; null when the config records none */
  sigmas: number[] | null;
}

export interface ConfigSettings {
  /** the MMPose generation whose layout the text has */
  mmpose: '0.x' | '1.x';
  /** where in meta the text was: 'config' (mmcv) or 'cfg' (mmengine) */
  metaKey: 'config' | 'cfg';
  inputSizeHW?: Sourced<[number, number]>;
  heatmapSizeHW?: Sourced<[number, number]>;
  method?: Sourced<DecodeMethod>;
  flipTest?: Sourced<boolean>;
  shiftHeatmap?: Sourced<boolean>;
  modulateKernel?: Sourced<number>;
  /** mean/std on RGB scaled to 0..1 */
  normalize?: Sourced<{ mean: [number, number, number]; std: [number, number, number] }>;
  /** the test dataset's class (TopDownCocoDataset, CocoDataset, ...) */
  datasetType?: Sourced<string>;
  /** the built-in dataset the class or dataset name stands for */
  dataset?: Sourced<BuiltinDataset>;
  numKeypoints?: Sourced<number>;
  keypoints?: Sourced<KeypointSet>;
  /** the config's backbone / head dicts, for the cross-check with the tensor keys */
  backbone?: Sourced<PyDict>;
  head?: Sourced<PyDict>;
  /** fields that matter and could not be read, or held something unexpected */
  notes: string[];
}

/** A setting the config states but pose-port does not implement (UDP, BGR input, ...): CONFIG_UNSUPPORTED naming the field. */
export function unsupported(field: string, message: string): never {
  throw new PosePortError('CONFIG_UNSUPPORTED', `checkpoint config: ${message}`, { key: field });
}

/** Walks dotted paths through dicts and lists, collecting what could not be read. */
export class Reader {
  constructor(
    private readonly root: PyDict,
    readonly notes: string[],
  ) {}

  /** The value at `path` (keys separated by '.', list indices as numbers), or undefined when absent or unreadable (noted). */
  get(path: string, root: PyValue = this.root): PyValue | undefined {
    let v: PyValue | undefined = root;
    for (const part of path.split('.')) {
      if (isUnreadable(v)) break;
      if (v instanceof PyDict) v = v.has(part) ? v.get(part) : v.get(Number(part));
      else if (Array.isArray(v) && /^\d+$/.test(part)) v = v[Number(part)];
      else return undefined;
      if (v === undefined) return undefined;
    }
    if (isUnreadable(v)) {
      this.notes.push(`${path}: ${v}`);
      return undefined;
    }
    return v;
  }

  dict(path: string, root?: PyValue): PyDict | undefined {
    const v = this.get(path, root);
    return v instanceof PyDict ? v : this.wrong(path, v, 'a dict');
  }

  bool(path: string, root?: PyValue): boolean | undefined {
    const v = this.get(path, root);
    return typeof v === 'boolean' ? v : this.wrong(path, v, 'True or False');
  }

  str(path: string, root?: PyValue): string | undefined {
    const v = this.get(path, root);
    return typeof v === 'string' ? v : this.wrong(path, v, 'a str');
  }

  int(path: string, root?: PyValue): number | undefined {
    const v = this.get(path, root);
    return typeof v === 'number' && Number.isInteger(v) ? v : this.wrong(path, v, 'an int');
  }

  /** A list/tuple of `n` numbers (n undefined: any length). */
  numbers(path: string, n?: number, root?: PyValue): number[] | undefined {
    const v = this.get(path, root);
    if (Array.isArray(v) && (n === undefined || v.length === n) && v.every((x) => typeof x === 'number')) return v as number[];
    return this.wrong(path, v, n === undefined ? 'a list of numbers' : `${n} numbers`);
  }

  /** `[w, h]` of positive ints -> [h, w]. */
  sizeWH(path: string, root?: PyValue): [number, number] | undefined {
    const v = this.numbers(path, 2, root);
    if (!v) return undefined;
    if (!v.every((x) => Number.isInteger(x) && x > 0)) return this.wrong(path, v, 'two positive ints');
    return [v[1], v[0]];
  }

  private wrong(path: string, v: PyValue | undefined, want: string): undefined {
    if (v !== undefined) this.notes.push(`${path}: expected ${want}, found ${pyTypeName(v)}`);
    return undefined;
  }
}

/** MMPose's dataset classes (0.x and 1.x names) and dataset_info names of the built-in sets. */
export function builtinDataset(typeOrName: string): BuiltinDataset | undefined {
  const t = typeOrName.replace(/^TopDown/, '').replace(/Dataset$/, '').toLowerCase();
  if (t === 'coco') return 'coco';
  if (t === 'cocowholebody' || t === 'coco_wholebody') return 'coco_wholebody';
  if (t === 'mpii') return 'mpii';
  return undefined;
}
