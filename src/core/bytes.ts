/**
 * Random access to the bytes of a file or an in-memory buffer, with every range
 * checked against the size before anything is allocated.
 *
 * A file source reads each requested range with one positioned read straight into
 * a fresh, 8-byte-aligned buffer (one copy: kernel to the returned array). A memory
 * source returns views into the caller's buffer when the alignment allows, so
 * nothing is copied. Either way the bytes are READ-ONLY to everyone downstream
 * (tensor data, constants): the one ownership rule is stated on TensorEntry.data.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { PosePortError } from './errors.js';

export interface ByteSource {
  /** file path, or a caller-chosen name for in-memory bytes */
  readonly name: string;
  readonly size: number;
  /**
   * `length` bytes at `offset`. The result's byteOffset is a multiple of `align`
   * (1, 2, 4 or 8) so it can be viewed as a typed array. Memory sources may return a
   * view that aliases the underlying buffer; file sources always return fresh memory.
   */
  read(offset: number, length: number, align?: number): Uint8Array;
  /** fills `target` with the `target.length` bytes at `offset` (no allocation) */
  readInto(offset: number, target: Uint8Array): void;
  close(): void;
}

function checkRange(src: { name: string; size: number }, offset: number, length: number, what: string): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new PosePortError('TRUNCATED', `invalid range for ${what}: offset ${offset}, length ${length}`, {
      file: src.name,
      offset: Number.isSafeInteger(offset) && offset >= 0 ? offset : undefined,
    });
  }
  if (offset + length > src.size) {
    throw new PosePortError(
      'TRUNCATED',
      `${what} needs bytes ${offset}..${offset + length} but the file ends at ${src.size}`,
      { file: src.name, offset },
    );
  }
}

/** Reads `length` bytes at `offset`, naming `what` in the error when they are not all there. */
export function readChecked(src: ByteSource, offset: number, length: number, what: string, align = 1): Uint8Array {
  checkRange(src, offset, length, what);
  return src.read(offset, length, align);
}

const MAX_READ = 1 << 30;

export class FileSource implements ByteSource {
  readonly name: string;
  readonly size: number;
  private fd: number | null;

  constructor(path: string) {
    this.name = path;
    try {
      this.fd = openSync(path, 'r');
      const st = fstatSync(this.fd);
      if (!st.isFile()) {
        closeSync(this.fd);
        throw new PosePortError('IO', `not a regular file`, { file: path });
      }
      this.size = st.size;
    } catch (e) {
      if (e instanceof PosePortError) throw e;
      throw new PosePortError('IO', `cannot open: ${(e as Error).message}`, { file: path });
    }
  }

  read(offset: number, length: number, _align = 1): Uint8Array {
    // allocUnsafeSlow: an own (unpooled) ArrayBuffer, so byteOffset is 0 and any
    // typed-array view is aligned; not zero-filled since every byte is overwritten.
    const out = new Uint8Array(Buffer.allocUnsafeSlow(length).buffer, 0, length);
    this.readInto(offset, out);
    return out;
  }

  readInto(offset: number, target: Uint8Array): void {
    const length = target.length;
    checkRange(this, offset, length, 'read');
    if (this.fd === null) throw new PosePortError('IO', 'checkpoint was closed', { file: this.name, offset });
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, target, done, Math.min(length - done, MAX_READ), offset + done);
      if (n === 0) {
        throw new PosePortError('TRUNCATED', `file ended while reading ${length} bytes`, {
          file: this.name,
          offset: offset + done,
        });
      }
      done += n;
    }
  }

  close(): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
  }
}

export class MemorySource implements ByteSource {
  readonly name: string;
  readonly size: number;
  private readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array, name = '<memory>') {
    // a plain Uint8Array view: Buffer's slice() would alias instead of copying
    this.bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.name = name;
    this.size = bytes.byteLength;
  }

  read(offset: number, length: number, align = 1): Uint8Array {
    checkRange(this, offset, length, 'read');
    const view = this.bytes.subarray(offset, offset + length);
    if (view.byteOffset % align === 0) return view;
    return view.slice();
  }

  readInto(offset: number, target: Uint8Array): void {
    checkRange(this, offset, target.length, 'read');
    target.set(this.bytes.subarray(offset, offset + target.length));
  }

  close(): void {}
}

/**
 * Small reads of container headers (zip local headers, legacy storage counts) through
 * one reusable window: a header that falls inside the last window costs no read and
 * no allocation. The view returned is valid until the next call.
 */
export class HeaderReader {
  private readonly window: Uint8Array;
  private start = 0;
  private filled = 0;

  constructor(
    private readonly src: ByteSource,
    size = 4096,
  ) {
    this.window = new Uint8Array(size);
  }

  /**
   * `length` bytes at `offset`. On a miss the window is filled from `offset` up to
   * `upTo` at most (where the caller expects its next headers to end), so that tensor
   * bytes between headers are not read for nothing.
   */
  read(offset: number, length: number, what: string, upTo = offset + length): Uint8Array {
    checkRange(this.src, offset, length, what);
    if (length > this.window.length) return this.src.read(offset, length);
    if (offset < this.start || offset + length > this.start + this.filled) {
      this.filled = Math.min(this.window.length, this.src.size - offset, Math.max(upTo, offset + length) - offset);
      this.start = offset;
      this.src.readInto(offset, this.window.subarray(0, this.filled));
    }
    return this.window.subarray(offset - this.start, offset - this.start + length);
  }
}

/** Little-endian field access over a byte array, for container headers. */
export class LEView {
  private readonly dv: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u8(at: number): number {
    return this.bytes[at];
  }
  u16(at: number): number {
    return this.dv.getUint16(at, true);
  }
  u32(at: number): number {
    return this.dv.getUint32(at, true);
  }
  /** unsigned 64-bit as a number, or -1 when it is above 2^53 - 1 */
  u64(at: number): number {
    const v = this.dv.getBigUint64(at, true);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(v);
  }
  /** signed 64-bit as a number, or NaN when it is outside the safe integer range */
  i64(at: number): number {
    const v = this.dv.getBigInt64(at, true);
    return v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER) ? NaN : Number(v);
  }
}

/** First bytes of a file as hex and printable text, for "not a checkpoint" errors. */
export function describeMagic(bytes: Uint8Array, n = 8): string {
  const head = bytes.subarray(0, n);
  const hex = [...head].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  const text = [...head].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
  return head.length === 0 ? 'an empty file' : `${hex} ("${text}")`;
}
