/**
 * What both containers (zip, legacy) give the checkpoint assembly: the unpickled
 * object and a way to find each storage's bytes. Each container module exports
 * `probe(head)` (do the first bytes look like mine?) and `read(source, options)`.
 */
import { DTYPE_BYTES } from '../core/dtype.js';
import { PosePortError } from '../core/errors.js';
import type { PickleLimits } from './pickle/scan.js';
import { storageFromPid } from './pickle/globals.js';
import type { StorageRef } from './pickle/values.js';
import type { StorageLocation } from './tensor.js';
import type { ContainerFormat, LegacyInfo, ZipInfo } from './types.js';

export interface ContainerOptions {
  allowUnknownGlobals: boolean;
  limits: PickleLimits;
  /** collects warnings */
  warnings: string[];
}

export interface ContainerRead {
  readonly format: ContainerFormat;
  readonly protocol: number;
  /** the object torch.save was given */
  readonly root: unknown;
  /** file offset where the object pickle starts (the place named by errors about its values) */
  readonly pickleOffset: number;
  readonly info: ZipInfo | LegacyInfo;
  /**
   * Where the bytes of `ref` lie, checked against the file: STORAGE_MISSING /
   * ZIP_RECORD_MISSING when absent, an error when shorter than the storage declares.
   * `tensor` names the state_dict key asking, for the message.
   */
  locate(ref: StorageRef, tensor: string): StorageLocation;
}

/** Storage byte size a persistent id declares (numel counts bytes for untyped storages). */
export function storageBytes(ref: StorageRef): number {
  return ref.numel * storageElementSize(ref);
}

/** Bytes per storage element: the storage type's dtype, 1 for untyped (and unreadable) types. */
export function storageElementSize(ref: StorageRef): number {
  return ref.type.untyped || ref.type.dtype === null ? 1 : DTYPE_BYTES[ref.type.dtype];
}

/**
 * A persistent-id handler that also records every storage by key and refuses one key
 * named with two different storage types (torch never writes that).
 */
export function storageCollector(file: string): {
  load: (pid: unknown, at: number) => StorageRef;
  byKey: Map<string, StorageRef>;
} {
  const byKey = new Map<string, StorageRef>();
  const load = (pid: unknown, at: number): StorageRef => {
    const ref = storageFromPid(pid, at, file);
    const seen = byKey.get(ref.key);
    if (seen === undefined) {
      byKey.set(ref.key, ref);
    } else if (seen.type.qualname !== ref.type.qualname || seen.numel !== ref.numel) {
      throw new PosePortError(
        'PICKLE_FORMAT',
        `storage '${ref.key}' is declared twice differently (${seen.type.qualname} of ${seen.numel}, then ${ref.type.qualname} of ${ref.numel})`,
        { file, offset: at, key: ref.key },
      );
    }
    return ref;
  };
  return { load, byKey };
}
