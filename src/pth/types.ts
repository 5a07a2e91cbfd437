/** Public types of the checkpoint reader. */
import type { DType, TypedArrayOf } from '../core/dtype.js';
import type { TensorEntry, TensorSet } from '../core/tensor.js';
import type { PickleLimits } from './pickle/scan.js';

/**
 * A checkpoint's `meta` as plain JS values (see plain.ts for the full mapping):
 * dicts become objects with a null prototype (a Map when a key is not a str),
 * lists/tuples/sets arrays, numpy scalars numbers (bigint past 2^53) or booleans,
 * bytes Uint8Array, numpy arrays `{ dtype, shape, data }`.
 */
export type PlainValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | ArrayBufferView
  | PlainValue[]
  | Map<PlainValue, PlainValue>
  | { [key: string]: PlainValue };

export type ContainerFormat = 'zip' | 'legacy';

export interface OpenOptions {
  /**
   * Turn globals outside the allowlist into inert placeholder records
   * (`{ __global__: 'module.name', args }`, never called) with one warning per
   * name, instead of refusing the file with PICKLE_GLOBAL.
   */
  allowUnknownGlobals?: boolean;
  /** tighter (or looser) pickle limits than DEFAULT_LIMITS */
  limits?: Partial<PickleLimits>;
}

/** One state_dict tensor of a checkpoint; its bytes are read when asked for. */
export interface PthTensorEntry<D extends DType = DType> extends TensorEntry<D> {
  /** key as stored, before a leading `module.` was stripped */
  readonly storedName: string;
  /** elements between consecutive entries of each dimension, in the storage */
  readonly stride: readonly number[];
  /** first element's index in the storage */
  readonly storageOffset: number;
  /** the storage's key (zip record `data/<key>`, or the legacy storage key) */
  readonly storageKey: string;
  /** absolute file offset of the tensor's first element (storage offset applied) */
  readonly fileOffset: number;
  /** numel * element size: what data() returns */
  readonly byteLength: number;
  /** true when the tensor is a dense row-major run of its storage (read without gathering) */
  readonly contiguous: boolean;
  /** the elements in row-major order as little-endian bytes (a view of data()'s result) */
  bytes(): Uint8Array;
  /**
   * Writes the bytes() into `target` (at least byteLength long) and returns
   * target.subarray(0, byteLength): a streaming consumer can reuse one buffer for
   * every tensor instead of allocating each.
   */
  readInto(target: Uint8Array): Uint8Array;
  /** Writes bytes() [byteOffset, byteOffset + target.length) into `target` (a dense tensor reads them straight from the file). */
  readRangeInto(byteOffset: number, target: Uint8Array): void;
  data(): TypedArrayOf[D];
}

export interface PthTensorSet extends TensorSet {
  readonly entries: readonly PthTensorEntry[];
  get(name: string): PthTensorEntry | undefined;
}

export interface Checkpoint {
  /** the path given (or the name of in-memory bytes) */
  readonly path: string;
  readonly format: ContainerFormat;
  /** pickle protocol of the object pickle */
  readonly protocol: number;
  /** the MMPose wrapper's `meta` as plain values; null for a bare state dict */
  readonly meta: PlainValue | null;
  /** keys of the top-level dict when the file is a wrapper ({meta, state_dict, ...}), else null */
  readonly wrapperKeys: readonly string[] | null;
  /** state_dict tensors, in state_dict order, a leading `module.` stripped */
  readonly tensors: PthTensorSet;
  /** non-fatal findings (unknown globals kept as placeholders, skipped non-tensor entries) */
  readonly warnings: readonly string[];
  /** file size in bytes */
  readonly sizeBytes: number;
  /** container details: zip archive folder and records, or legacy storage count */
  readonly container: ZipInfo | LegacyInfo;
  /** releases the file handle; data() fails afterwards */
  close(): void;
}

export interface ZipInfo {
  readonly kind: 'zip';
  /** the archive's top folder (torch names it after the file) */
  readonly folder: string;
  readonly records: number;
  /** contents of `<folder>/version`, when present */
  readonly version: string | null;
  /** contents of `<folder>/byteorder`, when present ('little') */
  readonly byteorder: string | null;
  readonly zip64: boolean;
}

export interface LegacyInfo {
  readonly kind: 'legacy';
  /** storages listed after the object pickle */
  readonly storages: number;
  /** file offset where the first storage's header starts */
  readonly dataOffset: number;
}
