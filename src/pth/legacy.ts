/**
 * The legacy stream container (torch < 1.6, or `_use_new_zipfile_serialization=False`,
 * as MMPose's publishing script forces): five pickles back to back, then the storages.
 *
 *   pickle  magic number 0x1950a86a20f9469cfc6c (a 10-byte LONG1)
 *   pickle  protocol version 1001
 *   pickle  sys_info {protocol_version, little_endian, type_sizes}
 *   pickle  the object; storages are persistent ids
 *           ('storage', type, key, location, numel, view_metadata)
 *   pickle  the list of storage keys, in the order their bytes follow
 *   then for each key: int64 element count, then count * element size raw bytes
 *
 * Opening reads the pickles (through a window grown as needed) and one 8-byte count
 * per storage to place each storage; the storage bytes themselves are not read.
 */
import { HeaderReader, LEView, readChecked, type ByteSource } from '../core/bytes.js';
import { PosePortError } from '../core/errors.js';
import { storageCollector, storageElementSize, type ContainerOptions, type ContainerRead } from './container.js';
import { NeedMoreBytes, scanPickle, type ScanResult } from './pickle/scan.js';
import { unpickle } from './pickle/unpickle.js';
import { isExactly, type StorageRef } from './pickle/values.js';
import type { StorageLocation } from './tensor.js';
import type { LegacyInfo } from './types.js';

export const MAGIC_NUMBER = 0x1950a86a20f9469cfc6cn;
export const PROTOCOL_VERSION = 1001;
/** the magic number's LONG1 payload, little-endian */
const MAGIC_BYTES = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

/** PROTO 2..5, an optional FRAME, then LONG1 of the 10 magic bytes. */
export function probe(head: Uint8Array): boolean {
  if (head.length < 2 || head[0] !== 0x80 || head[1] < 2 || head[1] > 5) return false;
  let p = 2;
  if (head[p] === 0x95) p += 9;
  if (head.length < p + 12 || head[p] !== 0x8a || head[p + 1] !== 10) return false;
  return MAGIC_BYTES.every((b, i) => head[p + 2 + i] === b);
}

const FIRST_WINDOW = 1 << 20;
const HEADER_WINDOW = 4096;

export function read(src: ByteSource, opts: ContainerOptions): ContainerRead {
  let window = readChecked(src, 0, Math.min(src.size, FIRST_WINDOW), 'legacy header');
  const fail = (msg: string, offset: number): never => {
    throw new PosePortError('LEGACY_FORMAT', msg, { file: src.name, offset });
  };
  /** scans the pickle at `start`, growing the window while the file has more */
  const scanAt = (start: number, what: string): ScanResult => {
    for (;;) {
      try {
        return scanPickle(window, start, {
          file: src.name,
          base: 0,
          complete: window.length === src.size,
          what,
          limits: opts.limits,
        });
      } catch (e) {
        if (!(e instanceof NeedMoreBytes)) throw e;
        window = src.read(0, Math.min(src.size, window.length * 2));
      }
    }
  };
  const storages = storageCollector(src.name);
  const load = (start: number, what: string, persistent: boolean): { value: unknown; scan: ScanResult } => {
    const scan = scanAt(start, what);
    const value = unpickle(window, scan, {
      file: src.name,
      base: 0,
      what,
      allowUnknownGlobals: opts.allowUnknownGlobals,
      warnings: opts.warnings,
      persistentLoad: persistent ? storages.load : undefined,
    });
    return { value, scan };
  };

  const magic = load(0, 'legacy magic number', false);
  if (magic.value !== MAGIC_NUMBER) {
    fail(`magic number is ${String(magic.value)}, expected 0x${MAGIC_NUMBER.toString(16)}`, 0);
  }
  const proto = load(magic.scan.end, 'legacy protocol version', false);
  if (proto.value !== PROTOCOL_VERSION) {
    fail(`serialization protocol version ${String(proto.value)}, expected ${PROTOCOL_VERSION}`, magic.scan.end);
  }
  const sys = load(proto.scan.end, 'legacy sys_info', false);
  if (!isExactly(sys.value, Map)) fail('sys_info is not a dict', proto.scan.end);
  const sysInfo = sys.value as Map<unknown, unknown>;
  if (sysInfo.get('little_endian') !== true) {
    fail(`checkpoint was written on a big-endian machine (little_endian=${String(sysInfo.get('little_endian'))}); not read`, proto.scan.end);
  }
  const obj = load(sys.scan.end, 'legacy object pickle', true);
  const keysAt = obj.scan.end;
  const keysPickle = load(keysAt, 'legacy storage key list', false);
  const keys = keysPickle.value;
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) fail('storage key list is not a list of str', keysAt);
  const keyList = keys as string[];
  let pos = keysPickle.scan.end;
  // every storage needs at least its 8-byte count: refuse impossible lists before walking them
  if (keyList.length * 8 > src.size - pos) {
    throw new PosePortError('TRUNCATED', `${keyList.length} storages listed but only ${src.size - pos} bytes follow`, {
      file: src.name,
      offset: pos,
    });
  }
  const dataOffset = pos;
  const roots = new Map<string, StorageLocation>();
  const headers = new HeaderReader(src, HEADER_WINDOW);
  // where the count headers of the storages from index i on end, while they stay within one window
  // (from the sizes the pickle declares; a wrong guess only costs another read)
  const headersEnd: number[] = new Array(keyList.length);
  {
    let at = pos;
    const starts = keyList.map((k) => {
      const r = storages.byKey.get(k);
      const s = at;
      at += 8 + (r ? r.numel * storageElementSize(r) : 0);
      return s;
    });
    for (let i = keyList.length - 1; i >= 0; i--) {
      headersEnd[i] = starts[i] + 8;
      if (i + 1 < keyList.length && headersEnd[i + 1] - starts[i] <= HEADER_WINDOW) headersEnd[i] = headersEnd[i + 1];
    }
  }
  for (const [i, key] of keyList.entries()) {
    if (roots.has(key)) fail(`storage key '${key}' listed twice`, keysAt);
    const ref = storages.byKey.get(key);
    if (!ref) fail(`storage '${key}' is listed but no tensor uses it, so its element size is unknown`, keysAt);
    const r = ref as StorageRef;
    const count = new LEView(headers.read(pos, 8, `element count of storage '${key}'`, headersEnd[i])).i64(0);
    if (!Number.isSafeInteger(count) || count < 0) fail(`storage '${key}' declares ${count} elements`, pos);
    const es = storageElementSize(r);
    const length = count * es;
    if (pos + 8 + length > src.size) {
      throw new PosePortError(
        'TRUNCATED',
        `storage '${key}' declares ${count} elements (${length} bytes) but the file ends ${src.size - pos - 8} bytes later`,
        { file: src.name, offset: pos, key },
      );
    }
    // torch reads exactly the persistent id's size ("storage has wrong byte size" otherwise)
    if (count !== r.numel) fail(`storage '${key}' holds ${count} elements but its persistent id declares ${r.numel}; torch.load refuses this too ("storage has wrong byte size")`, pos);
    roots.set(key, { offset: pos + 8, length });
    pos += 8 + length;
  }
  if (pos !== src.size) opts.warnings.push(`${src.size - pos} bytes after the last storage ignored`);

  const locate = (ref: StorageRef, tensor: string): StorageLocation => {
    const root = roots.get(ref.key);
    if (!root) {
      throw new PosePortError('STORAGE_MISSING', `storage '${ref.key}' of tensor '${tensor}' is not in the file's storage list`, {
        file: src.name,
        offset: ref.at,
        key: tensor,
      });
    }
    if (ref.view === null) return root;
    const es = storageElementSize(ref);
    const [off, size] = ref.view;
    if ((off + size) * es > root.length) {
      fail(`storage view [${off}, ${off + size}) of '${ref.key}' (tensor '${tensor}') reaches past the storage`, ref.at);
    }
    return { offset: root.offset + off * es, length: size * es };
  };

  const info: LegacyInfo = { kind: 'legacy', storages: keyList.length, dataOffset };
  return { format: 'legacy', protocol: obj.scan.protocol, root: obj.value, pickleOffset: sys.scan.end, info, locate };
}
