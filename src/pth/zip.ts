/**
 * The zip container torch.save writes since torch 1.6:
 *
 *   <folder>/data.pkl      the object pickle; storages are persistent ids
 *                          ('storage', type, key, location, numel)
 *   <folder>/data/<key>    each storage's raw little-endian bytes, stored (not compressed)
 *   <folder>/version       serialization version (text), when present
 *   <folder>/byteorder     'little' or 'big' (torch >= 2.1), when present
 *
 * `<folder>` is whatever the archive uses (torch names it after the file). The
 * central directory is parsed here, zip64 included (torch's writer switches to zip64
 * records for large archives); records are read in place at their offset, never
 * inflated: a compressed or encrypted record is refused.
 */
import { HeaderReader, LEView, readChecked, type ByteSource } from '../core/bytes.js';
import { PosePortError } from '../core/errors.js';
import { storageBytes, storageCollector, type ContainerOptions, type ContainerRead } from './container.js';
import { scanPickle } from './pickle/scan.js';
import { unpickle } from './pickle/unpickle.js';
import type { StorageRef } from './pickle/values.js';
import type { StorageLocation } from './tensor.js';
import type { ZipInfo } from './types.js';

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;
const EOCD_SIZE = 22;
const HEADER_WINDOW = 4096;
/** local extra field bytes expected (torch pads records to 64-byte alignment there) */
const LOCAL_EXTRA = 72;
const MAX_COMMENT = 0xffff;

/** `PK\x03\x04`: a zip starting with a local file header. */
export function probe(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
}

interface Entry {
  readonly name: string;
  readonly method: number;
  readonly flags: number;
  readonly csize: number;
  readonly usize: number;
  readonly localOffset: number;
  /** offset of the central directory entry, for messages */
  readonly at: number;
  /** where the local headers of the records after this one end, while they stay close by */
  headersEnd: number;
}

interface Directory {
  readonly entries: Map<string, Entry>;
  /** where the central directory starts: record data must end before it */
  readonly cdOffset: number;
  readonly zip64: boolean;
  /** local headers are read through one window */
  readonly headers: HeaderReader;
}

function zipError(src: ByteSource, msg: string, offset?: number, key?: string): PosePortError {
  return new PosePortError('ZIP_FORMAT', msg, { file: src.name, offset, key });
}

function readDirectory(src: ByteSource): Directory {
  const size = src.size;
  if (size < EOCD_SIZE) {
    throw new PosePortError('TRUNCATED', `zip of ${size} bytes has no end-of-central-directory record`, { file: src.name, offset: 0 });
  }
  const tailStart = Math.max(0, size - EOCD_SIZE - MAX_COMMENT);
  const tail = readChecked(src, tailStart, size - tailStart, 'zip end record');
  const tv = new LEView(tail);
  let eocd = -1;
  for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
    // the comment length must account for exactly the bytes after the record
    if (tv.u32(i) === SIG_EOCD && i + EOCD_SIZE + tv.u16(i + 20) === tail.length) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) {
    throw new PosePortError(
      'TRUNCATED',
      'zip end-of-central-directory record not found (the file is truncated, or not a zip)',
      { file: src.name, offset: size },
    );
  }
  const eocdAt = tailStart + eocd;
  let entries = tv.u16(eocd + 10);
  let cdSize = tv.u32(eocd + 12);
  let cdOffset = tv.u32(eocd + 16);
  if (tv.u16(eocd + 4) !== 0 || tv.u16(eocd + 6) !== 0) throw zipError(src, 'multi-disk zip archives are not read', eocdAt);
  let limit = eocdAt;
  let zip64 = false;
  if (entries === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    zip64 = true;
    const locAt = eocdAt - 20;
    if (locAt < 0) throw zipError(src, 'zip64 end record locator missing', eocdAt);
    const loc = new LEView(readChecked(src, locAt, 20, 'zip64 end record locator'));
    if (loc.u32(0) !== SIG_EOCD64_LOCATOR) throw zipError(src, 'zip64 end record locator missing', locAt);
    const at = loc.u64(8);
    if (at < 0 || at + 56 > locAt) throw zipError(src, `zip64 end record offset ${at} out of range`, locAt);
    const r = new LEView(readChecked(src, at, 56, 'zip64 end record'));
    if (r.u32(0) !== SIG_EOCD64) throw zipError(src, 'zip64 end record signature mismatch', at);
    entries = r.u64(32);
    cdSize = r.u64(40);
    cdOffset = r.u64(48);
    limit = at;
    if (entries < 0 || cdSize < 0 || cdOffset < 0) throw zipError(src, 'zip64 end record sizes out of range', at);
  }
  if (cdOffset + cdSize > limit) {
    throw new PosePortError('TRUNCATED', `zip central directory (${cdSize} bytes at ${cdOffset}) runs past its end record`, {
      file: src.name,
      offset: cdOffset,
    });
  }
  // each entry takes at least 46 bytes: refuse counts the directory cannot hold before allocating
  if (entries * 46 > cdSize) throw zipError(src, `zip declares ${entries} records in a ${cdSize}-byte directory`, eocdAt);
  const cd = readChecked(src, cdOffset, cdSize, 'zip central directory');
  const v = new LEView(cd);
  const utf8 = new TextDecoder('utf-8');
  const map = new Map<string, Entry>();
  let p = 0;
  for (let i = 0; i < entries; i++) {
    const at = cdOffset + p;
    if (p + 46 > cd.length || v.u32(p) !== SIG_CENTRAL) throw zipError(src, `zip central directory entry ${i} is malformed`, at);
    const flags = v.u16(p + 8);
    const method = v.u16(p + 10);
    let csize = v.u32(p + 20);
    let usize = v.u32(p + 24);
    const nameLen = v.u16(p + 28);
    const extraLen = v.u16(p + 30);
    const commentLen = v.u16(p + 32);
    let localOffset = v.u32(p + 42);
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > cd.length) throw zipError(src, `zip central directory entry ${i} runs past the directory`, at);
    const name = utf8.decode(cd.subarray(p + 46, p + 46 + nameLen));
    // zip64 extended information: u64 fields for those stored as 0xffffffff, in this order
    let e = p + 46 + nameLen;
    const eEnd = e + extraLen;
    while (e + 4 <= eEnd) {
      const id = v.u16(e);
      const len = v.u16(e + 2);
      if (e + 4 + len > eEnd) throw zipError(src, `zip extra field of '${name}' runs past its entry`, at);
      if (id === 0x0001) {
        let q = e + 4;
        const next = (): number => {
          if (q + 8 > e + 4 + len) throw zipError(src, `zip64 extra field of '${name}' is too short`, at);
          const x = v.u64(q);
          q += 8;
          if (x < 0) throw zipError(src, `zip64 size of '${name}' is beyond 2^53`, at);
          return x;
        };
        if (usize === 0xffffffff) usize = next();
        if (csize === 0xffffffff) csize = next();
        if (localOffset === 0xffffffff) localOffset = next();
      }
      e += 4 + len;
    }
    if (map.has(name)) throw zipError(src, `zip holds two records named '${name}'`, at, name);
    map.set(name, { name, method, flags, csize, usize, localOffset, at, headersEnd: localOffset + 30 + nameLen + LOCAL_EXTRA });
    p = end;
  }
  // one header window may serve the records that follow (torch writes small records back to back)
  const byOffset = [...map.values()].sort((a, b) => a.localOffset - b.localOffset);
  for (let i = byOffset.length - 2; i >= 0; i--) {
    const next = byOffset[i + 1];
    if (next.headersEnd - byOffset[i].localOffset <= HEADER_WINDOW) byOffset[i].headersEnd = next.headersEnd;
  }
  return { entries: map, cdOffset, zip64, headers: new HeaderReader(src, HEADER_WINDOW) };
}

/** File offset of a record's data, after checking it is stored, whole and inside the file. */
function recordData(src: ByteSource, dir: Directory, e: Entry): StorageLocation {
  if (e.flags & 1) throw zipError(src, `zip record '${e.name}' is encrypted`, e.at, e.name);
  if (e.method !== 0) {
    const how = e.method === 8 ? 'deflate' : `method ${e.method}`;
    throw zipError(src, `zip record '${e.name}' is compressed (${how}); pose-port reads stored records only`, e.at, e.name);
  }
  if (e.csize !== e.usize) throw zipError(src, `stored zip record '${e.name}' has sizes ${e.csize} != ${e.usize}`, e.at, e.name);
  if (e.localOffset + 30 > dir.cdOffset) {
    throw zipError(src, `zip record '${e.name}' header offset ${e.localOffset} is past the data area`, e.at, e.name);
  }
  const h = new LEView(dir.headers.read(e.localOffset, 30, `local header of '${e.name}'`, e.headersEnd));
  if (h.u32(0) !== SIG_LOCAL) throw zipError(src, `zip record '${e.name}' has no local header at ${e.localOffset}`, e.localOffset, e.name);
  const nameLen = h.u16(26);
  const extraLen = h.u16(28);
  const start = e.localOffset + 30 + nameLen + extraLen;
  if (start + e.csize > dir.cdOffset) {
    throw new PosePortError(
      'TRUNCATED',
      `zip record '${e.name}' (${e.csize} bytes at ${start}) runs past the data area, which ends at ${dir.cdOffset}`,
      { file: src.name, offset: start, key: e.name },
    );
  }
  return { offset: start, length: e.csize };
}

const SMALL_RECORD = 64;

function smallText(src: ByteSource, dir: Directory, name: string): string | null {
  const e = dir.entries.get(name);
  if (!e) return null;
  const loc = recordData(src, dir, e);
  if (loc.length > SMALL_RECORD) throw zipError(src, `zip record '${name}' is ${loc.length} bytes, expected a short text`, loc.offset, name);
  return new TextDecoder('utf-8').decode(src.read(loc.offset, loc.length)).trim();
}

export function read(src: ByteSource, opts: ContainerOptions): ContainerRead {
  const dir = readDirectory(src);
  const pkls = [...dir.entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pkls.length === 0) {
    const first = [...dir.entries.keys()].slice(0, 3).map((n) => `'${n}'`).join(', ');
    throw new PosePortError(
      'ZIP_RECORD_MISSING',
      `zip has no '<folder>/data.pkl' record, so it is not a torch.save checkpoint (records: ${first || 'none'})`,
      { file: src.name, offset: dir.cdOffset },
    );
  }
  if (pkls.length > 1) throw zipError(src, `zip holds ${pkls.length} data.pkl records (${pkls.join(', ')})`, dir.cdOffset);
  const folder = pkls[0].slice(0, -'/data.pkl'.length);

  const byteorder = smallText(src, dir, `${folder}/byteorder`);
  if (byteorder !== null && byteorder !== 'little') {
    throw zipError(src, `byteorder record says '${byteorder}': only little-endian checkpoints are read`, undefined, `${folder}/byteorder`);
  }
  const version = smallText(src, dir, `${folder}/version`);

  const pklEntry = dir.entries.get(pkls[0])!;
  const pklLoc = recordData(src, dir, pklEntry);
  const pkl = src.read(pklLoc.offset, pklLoc.length);
  const place = { file: src.name, base: pklLoc.offset, complete: true, what: pkls[0], limits: opts.limits };
  const scan = scanPickle(pkl, 0, place);
  const storages = storageCollector(src.name);
  const root = unpickle(pkl, scan, {
    file: src.name,
    base: pklLoc.offset,
    what: pkls[0],
    allowUnknownGlobals: opts.allowUnknownGlobals,
    warnings: opts.warnings,
    persistentLoad: storages.load,
  });
  if (scan.end !== pkl.length) {
    opts.warnings.push(`${pkls[0]}: ${pkl.length - scan.end} bytes after the pickle's STOP ignored`);
  }

  const located = new Map<string, StorageLocation>();
  const locate = (ref: StorageRef, tensor: string): StorageLocation => {
    const hit = located.get(ref.key);
    if (hit) return hit;
    const name = `${folder}/data/${ref.key}`;
    const e = dir.entries.get(name);
    if (!e) {
      throw new PosePortError(
        'ZIP_RECORD_MISSING',
        `storage '${ref.key}' of tensor '${tensor}' has no record '${name}' in the zip`,
        { file: src.name, offset: ref.at, key: tensor },
      );
    }
    const loc = recordData(src, dir, e);
    const need = storageBytes(ref);
    if (loc.length < need) {
      throw zipError(
        src,
        `zip record '${name}' holds ${loc.length} bytes but storage '${ref.key}' (${ref.type.qualname} of ${ref.numel}) needs ${need}`,
        loc.offset,
        tensor,
      );
    }
    const out = { offset: loc.offset, length: need };
    located.set(ref.key, out);
    return out;
  };

  const info: ZipInfo = { kind: 'zip', folder, records: dir.entries.size, version, byteorder, zip64: dir.zip64 };
  return { format: 'zip', protocol: scan.protocol, root, pickleOffset: pklLoc.offset, info, locate };
}
