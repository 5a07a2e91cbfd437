/**
 * openCheckpoint: probe the container, read its pickle and record index, and hand
 * back the meta and the lazily read state_dict tensors.
 */
import { describeMagic, FileSource, MemorySource, type ByteSource } from '../core/bytes.js';
import { PosePortError } from '../core/errors.js';
import type { ContainerOptions, ContainerRead } from './container.js';
import * as legacy from './legacy.js';
import { DEFAULT_LIMITS, type PickleLimits } from './pickle/scan.js';
import { readStateDict } from './state-dict.js';
import { assertLittleEndianHost } from './tensor.js';
import type { Checkpoint, OpenOptions } from './types.js';
import * as zip from './zip.js';

/** Containers in probing order. */
const CONTAINERS: readonly { name: string; probe(head: Uint8Array): boolean; read(src: ByteSource, o: ContainerOptions): ContainerRead }[] = [
  { name: 'zip', ...zip },
  { name: 'legacy', ...legacy },
];

const PROBE_BYTES = 512;
const OPTION_KEYS = new Set(['allowUnknownGlobals', 'limits']);

function checkOptions(opts: OpenOptions): { allowUnknownGlobals: boolean; limits: PickleLimits } {
  if (opts === null || typeof opts !== 'object') throw new PosePortError('USAGE', 'openCheckpoint options must be an object');
  for (const k of Object.keys(opts)) {
    if (!OPTION_KEYS.has(k)) throw new PosePortError('USAGE', `unknown openCheckpoint option '${k}'`);
  }
  if (opts.allowUnknownGlobals !== undefined && typeof opts.allowUnknownGlobals !== 'boolean') {
    throw new PosePortError('USAGE', 'allowUnknownGlobals must be a boolean');
  }
  const limits: PickleLimits = { ...DEFAULT_LIMITS };
  for (const [k, v] of Object.entries(opts.limits ?? {})) {
    if (!Object.hasOwn(DEFAULT_LIMITS, k)) throw new PosePortError('USAGE', `unknown pickle limit '${k}'`);
    if (!Number.isSafeInteger(v) || (v as number) < 1) throw new PosePortError('USAGE', `pickle limit '${k}' must be a positive integer`);
    limits[k as keyof PickleLimits] = v as number;
  }
  return { allowUnknownGlobals: opts.allowUnknownGlobals ?? false, limits };
}

function notACheckpoint(src: ByteSource, head: Uint8Array): PosePortError {
  let hint = '';
  const text = (at: number, s: string): boolean => [...s].every((c, i) => head[at + i] === c.charCodeAt(0));
  if (head.length >= 262 && text(257, 'ustar')) hint = '; a tar archive: torch < 0.1.10 checkpoints are not read';
  else if (head[0] === 0x1f && head[1] === 0x8b) hint = '; gzip data: decompress it first';
  else if (head[0] === 0x80 && head[1] >= 2 && head[1] <= 5) hint = "; a pickle without torch's magic number (pickle.dump rather than torch.save?)";
  else if (text(0, 'PK')) hint = '; a zip whose first record header is missing';
  else if (head.length >= 9 && head[8] === 0x7b) hint = '; possibly a safetensors file';
  return new PosePortError('NOT_A_CHECKPOINT', `not a PyTorch checkpoint: first bytes are ${describeMagic(head)}${hint}`, {
    file: src.name,
    offset: 0,
  });
}

/** Reads a checkpoint from any ByteSource (a file, memory, or an instrumented source in tests). */
export function openCheckpointSource(src: ByteSource, options: OpenOptions = {}): Checkpoint {
  const { allowUnknownGlobals, limits } = checkOptions(options);
  assertLittleEndianHost(src.name);
  const head = src.read(0, Math.min(src.size, PROBE_BYTES));
  const container = CONTAINERS.find((c) => c.probe(head));
  if (!container) throw notACheckpoint(src, head);
  const warnings: string[] = [];
  const read = container.read(src, { allowUnknownGlobals, limits, warnings });
  const sd = readStateDict(read, src, limits, warnings);
  return Object.freeze({
    path: src.name,
    format: read.format,
    protocol: read.protocol,
    meta: sd.meta,
    wrapperKeys: sd.wrapperKeys,
    tensors: sd.tensors,
    warnings: Object.freeze(warnings),
    sizeBytes: src.size,
    container: read.info,
    close: () => src.close(),
  });
}

/**
 * Opens a .pth checkpoint (zip or legacy container). Reads the pickle and the record
 * index only; each tensor's bytes are read by its data()/bytes(). Call close() when
 * done to release the file handle. Bad input throws PosePortError (code, file, offset).
 */
export async function openCheckpoint(path: string, options: OpenOptions = {}): Promise<Checkpoint> {
  return openCheckpointSync(path, options);
}

/** Synchronous openCheckpoint. */
export function openCheckpointSync(path: string, options: OpenOptions = {}): Checkpoint {
  const src = new FileSource(path);
  try {
    return openCheckpointSource(src, options);
  } catch (e) {
    src.close();
    throw e;
  }
}

/**
 * Reads a checkpoint held in memory. Tensor data may be views of `bytes` (no copy)
 * when aligned: do not modify `bytes` while using the result. pose-port never writes
 * through them (tensor data is read-only, see TensorEntry.data).
 */
export function openCheckpointBytes(bytes: Uint8Array, options: OpenOptions & { name?: string } = {}): Checkpoint {
  const { name = '<memory>', ...rest } = options;
  return openCheckpointSource(new MemorySource(bytes, name), rest);
}
