/**
 * The byte reader pickleparser runs on (its `IReader` interface), replacing its own
 * BufferReader so that:
 *  - every read stays inside the pre-scanned pickle and a failure is a PosePortError
 *    carrying the file offset of the opcode being executed (`opAt`);
 *  - 8-byte lengths are read exactly, without the console warning BufferReader prints;
 *  - bytes values are copies, so no unpickled value aliases the file's buffer (a
 *    pickled `bytes` object answers `.set()`, which SETITEM would call);
 *  - LONG1/LONG4 are decoded by long.ts: when the parser fetches a LONG opcode, the
 *    reader answers EXT4 with an index into the values the scanner decoded, and the
 *    parser hands that index to our extension resolver (`takeLong`). Real EXT opcodes
 *    never get here: the scanner refuses them.
 */
import type { IReader } from 'pickleparser/dist/types/reader.js';
import { PosePortError } from '../../core/errors.js';
import { OP } from './opcodes.js';
import type { ScanResult } from './scan.js';
import { decodePickleUtf8 } from './utf8.js';

/** ISO-8859-1 (byte n is code point n); WHATWG's 'latin1' label would mean windows-1252 */
function latin1(view: Uint8Array): string {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('latin1');
}

export class PickleReader implements IReader {
  private pos: number;
  private readonly end: number;
  /** file offset of the opcode being executed */
  opAt = 0;
  private atOpcode = false;
  private pendingLong = -1;
  private readonly longValues: (number | bigint)[] = [];

  constructor(
    private readonly buf: Uint8Array,
    private readonly scan: ScanResult,
    private readonly base: number,
    private readonly file: string,
  ) {
    this.pos = scan.start;
    this.end = scan.end;
  }

  get position(): number {
    return this.pos;
  }
  get length(): number {
    return this.end;
  }

  /** absolute file offset of the current opcode */
  get offset(): number {
    return this.base + this.opAt;
  }

  private take(k: number): number {
    const at = this.pos;
    if (!(k >= 0) || at + k > this.end) {
      throw new PosePortError('TRUNCATED', `pickle read of ${k} bytes runs past its end`, {
        file: this.file,
        offset: this.offset,
      });
    }
    this.pos = at + k;
    return at;
  }

  hasNext(): boolean {
    this.opAt = this.pos;
    this.atOpcode = true;
    return this.pos < this.end;
  }

  byte(): number {
    if (this.atOpcode) {
      this.atOpcode = false;
      const op = this.buf[this.pos];
      if (op === OP.LONG1 || op === OP.LONG4) {
        const value = this.scan.longs.get(this.pos);
        if (value === undefined) {
          throw new PosePortError('PICKLE_FORMAT', 'LONG opcode the scanner did not see', {
            file: this.file,
            offset: this.offset,
          });
        }
        const len = op === OP.LONG1 ? this.buf[this.pos + 1] : this.uint32At(this.pos + 1);
        this.take((op === OP.LONG1 ? 2 : 5) + len);
        this.pendingLong = this.longValues.length;
        this.longValues.push(value);
        return OP.EXT4;
      }
    }
    if (this.pos < this.end) return this.buf[this.pos++];
    return this.buf[this.take(1)];
  }

  /** the LONG value the EXT4 substitution refers to (our extension resolver) */
  takeLong(index: number): number | bigint {
    const v = this.longValues[index];
    if (v === undefined) throw new PosePortError('PICKLE_FORMAT', 'extension opcodes are not accepted', { file: this.file, offset: this.offset });
    return v;
  }

  bytes(length: number): Uint8Array {
    const at = this.take(length);
    return new Uint8Array(this.buf.subarray(at, at + length));
  }

  private uint32At(at: number): number {
    return (this.buf[at] | (this.buf[at + 1] << 8) | (this.buf[at + 2] << 16)) + this.buf[at + 3] * 2 ** 24;
  }

  uint16(): number {
    const at = this.take(2);
    return this.buf[at] | (this.buf[at + 1] << 8);
  }

  int32(): number {
    const v = this.uint32Raw();
    return v >= 2 ** 31 ? v - 2 ** 32 : v;
  }

  uint32(): number {
    if (this.pendingLong >= 0) {
      const i = this.pendingLong;
      this.pendingLong = -1;
      return i;
    }
    return this.uint32Raw();
  }

  private uint32Raw(): number {
    const at = this.pos;
    if (at + 4 > this.end) this.take(4);
    this.pos = at + 4;
    const b = this.buf;
    return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16)) + b[at + 3] * 2 ** 24;
  }

  uint64(): number {
    const at = this.take(8);
    const lo = this.uint32At(at);
    const hi = this.uint32At(at + 4);
    // lengths past the pickle's end fail in take() when used; keep them finite and large
    return hi >= 2 ** 21 ? Number.MAX_SAFE_INTEGER : hi * 2 ** 32 + lo;
  }

  float64(): number {
    const at = this.take(8);
    return new DataView(this.buf.buffer, this.buf.byteOffset + at, 8).getFloat64(0, false);
  }

  skip(k: number): void {
    this.take(k);
  }

  string(size: number, encoding: 'ascii' | 'utf-8'): string {
    const at = this.take(size);
    const view = this.buf.subarray(at, at + size);
    // py2 str (BINSTRING) bytes map one-to-one to code points, as numpy's latin1 loading does
    if (encoding !== 'utf-8') return latin1(view);
    const s = decodePickleUtf8(view);
    if (typeof s === 'string') return s;
    const bad = Array.from(view.subarray(s.invalidAt, s.invalidAt + 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new PosePortError('PICKLE_FORMAT', `str of ${size} bytes is not valid UTF-8 at its byte ${s.invalidAt} (${bad}); torch.load refuses it too`, {
      file: this.file,
      offset: this.base + at + s.invalidAt,
    });
  }

  line(): string {
    const nl = this.buf.indexOf(0x0a, this.pos);
    if (nl < 0 || nl >= this.end) {
      throw new PosePortError('PICKLE_FORMAT', 'line without a newline', { file: this.file, offset: this.offset });
    }
    const at = this.take(nl - this.pos + 1);
    return latin1(this.buf.subarray(at, nl));
  }
}
