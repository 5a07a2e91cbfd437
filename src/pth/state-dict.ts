/**
 * From the unpickled object to the state_dict: the MMPose wrapper
 * `{meta, state_dict, ...}` or a bare state dict; a leading `module.` (DataParallel)
 * stripped from each key; every tensor's view checked against its storage.
 */
import type { ByteSource } from '../core/bytes.js';
import { PosePortError } from '../core/errors.js';
import type { ContainerRead } from './container.js';
import { toPlain } from './plain.js';
import type { PickleLimits } from './pickle/scan.js';
import { isExactly, TensorRef } from './pickle/values.js';
import { FileTensor } from './tensor.js';
import type { PlainValue, PthTensorEntry, PthTensorSet } from './types.js';

export interface StateDictRead {
  meta: PlainValue | null;
  wrapperKeys: string[] | null;
  tensors: PthTensorSet;
}

const PREFIX = 'module.';

/** A short description of an unpickled value, for messages. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (Array.isArray(v)) return `a list/tuple of ${v.length}`;
  if (isExactly(v, Map)) return `a dict of ${v.size} keys`;
  if (isExactly(v, TensorRef)) return `a tensor`;
  if (typeof v === 'object') return `a ${Object.prototype.toString.call(v).slice(8, -1)}`;
  return `a ${typeof v}`;
}

export function readStateDict(
  read: ContainerRead,
  src: ByteSource,
  limits: PickleLimits,
  warnings: string[],
): StateDictRead {
  const root = read.root;
  const offset = read.pickleOffset;
  if (!isExactly(root, Map)) {
    throw new PosePortError('STATE_DICT', `checkpoint holds ${describeValue(root)}, not a dict of tensors`, {
      file: src.name,
      offset,
    });
  }
  let sd: Map<unknown, unknown> = root;
  let meta: PlainValue | null = null;
  let wrapperKeys: string[] | null = null;
  if (root.has('state_dict')) {
    const inner = root.get('state_dict');
    if (!isExactly(inner, Map)) {
      throw new PosePortError('STATE_DICT', `'state_dict' holds ${describeValue(inner)}, not a dict of tensors`, {
        file: src.name,
        offset,
        key: 'state_dict',
      });
    }
    sd = inner;
    wrapperKeys = [...root.keys()].map((k) => String(k));
    if (root.has('meta')) meta = toPlain(root.get('meta'), 'meta', src.name, offset, limits);
  }

  const entries: PthTensorEntry[] = [];
  const byName = new Map<string, PthTensorEntry>();
  for (const [key, value] of sd) {
    if (typeof key !== 'string') {
      throw new PosePortError('STATE_DICT', `state_dict key ${describeValue(key)} is not a str`, { file: src.name, offset });
    }
    if (!isExactly(value, TensorRef)) {
      warnings.push(`state_dict entry '${key}' is ${describeValue(value)}, not a tensor: skipped`);
      continue;
    }
    const name = key.startsWith(PREFIX) ? key.slice(PREFIX.length) : key;
    if (byName.has(name)) {
      throw new PosePortError('STATE_DICT', `state_dict has '${name}' twice once '${PREFIX}' is stripped`, {
        file: src.name,
        offset: value.at,
        key,
      });
    }
    const loc = read.locate(value.storage, key);
    const entry = new FileTensor(name, key, value, loc, src);
    entries.push(entry);
    byName.set(name, entry);
  }
  Object.freeze(entries);
  const tensors: PthTensorSet = {
    entries,
    get: (n) => byName.get(n),
    has: (n) => byName.has(n),
  };
  return { meta, wrapperKeys, tensors };
}
