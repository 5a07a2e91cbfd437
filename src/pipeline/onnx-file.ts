/**
 * Writing a planned ONNX model to a file in two steps: the body (every field up to and
 * including the graph, with the weights) while the source digest may still be running,
 * then the last field (opset_import, metadata_props) once the metadata is settled.
 *
 * The bytes go through three shared slots (up to 4 MiB each): each weight is produced straight into
 * them, in pieces where it is larger (a checkpoint tensor read into a slot, a folded
 * weight scaled there in place: nothing allocated per tensor, so memory stays at the
 * slots whatever the model), the small protobuf pieces are copied in, and a full slot is
 * written at its file position by libuv while the hash worker (core/hash.ts) adds it to
 * the file's sha256, on the bytes as written, never by reading the file back. This
 * thread moves on to the next slot and waits only when every slot is still in flight.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { PosePortError } from '../core/errors.js';
import { writeFailure } from '../core/file-sink.js';
import type { FileHasher, SlotHasher } from '../core/hash.js';
import { initializerBytes, type OnnxBytes } from '../emit/onnx/index.js';

export interface OnnxFileBody {
  /** writes `tail` (OnnxBytes.tail(metadata)), closes the file and returns its sha256 */
  finish(tail: Uint8Array): Promise<string>;
  /** gives up (the caller removes the file) */
  destroy(): void;
}

/** Slots in flight: one being filled, the others being written and hashed. */
const SLOTS = 3;
/** A slot holds 1/32 of the body, from 256 KiB to 4 MiB (a small model's writer stays small), in 64 KiB steps. */
function slotBytes(bodyLength: number): number {
  return Math.min(4 << 20, Math.max(256 << 10, Math.ceil(bodyLength / 32 / 65536) * 65536));
}
/** Weights smaller than this are copied in (their bytes() is cheap); larger ones are produced in place. */
const FILL_MIN = 64 << 10;

class SlotWriter {
  private readonly slots: SharedArrayBuffer[];
  private readonly inFlight: (Promise<void> | null)[];
  private readonly hashes: SlotHasher;
  private cur = 0;
  private fill = 0;
  /** file offset of the current slot's first byte */
  private position = 0;

  constructor(
    private readonly path: string,
    private readonly fh: FileHandle,
    hasher: FileHasher,
    readonly slotSize: number,
  ) {
    this.slots = Array.from({ length: SLOTS }, () => new SharedArrayBuffer(slotSize));
    this.inFlight = this.slots.map(() => null);
    this.hashes = hasher.output(this.slots);
  }

  get written(): number {
    return this.position + this.fill;
  }

  /** Copies `bytes` in, across slots as needed. */
  async put(bytes: Uint8Array): Promise<void> {
    for (let at = 0; at < bytes.length; ) {
      if (this.fill === this.slotSize) await this.dispatch();
      const n = Math.min(bytes.length - at, this.slotSize - this.fill);
      new Uint8Array(this.slots[this.cur], this.fill, n).set(bytes.subarray(at, at + n));
      this.fill += n;
      at += n;
    }
  }

  /**
   * A 4-byte aligned region of the current slot, `length` bytes or as many multiples of 4
   * as fit (at least FILL_MIN), for a piece of a weight to be produced into.
   */
  async region(length: number): Promise<Uint8Array> {
    if (this.fill % 4 !== 0 || this.slotSize - this.fill < Math.min(length, FILL_MIN)) await this.dispatch();
    const n = Math.min(length, (this.slotSize - this.fill) & ~3);
    const r = new Uint8Array(this.slots[this.cur], this.fill, n);
    this.fill += n;
    return r;
  }

  /** Sends the current slot to be written and hashed, then waits until the next slot is free. */
  async dispatch(): Promise<void> {
    if (this.fill === 0) return;
    const index = this.cur;
    const bytes = new Uint8Array(this.slots[index], 0, this.fill);
    const flight = Promise.all([this.writeAll(bytes, this.position), this.hashes.hash(index, bytes.length)]).then(() => {});
    flight.catch(() => {}); // awaited when the slot comes round again or at the end
    this.inFlight[index] = flight;
    this.position += this.fill;
    this.fill = 0;
    this.cur = (index + 1) % SLOTS;
    const next = this.inFlight[this.cur];
    this.inFlight[this.cur] = null;
    if (next) await next;
  }

  private async writeAll(bytes: Uint8Array, position: number): Promise<void> {
    try {
      for (let done = 0; done < bytes.length; ) {
        const { bytesWritten } = await this.fh.write(bytes, done, bytes.length - done, position + done);
        if (bytesWritten === 0) throw new Error('no bytes written');
        done += bytesWritten;
      }
    } catch (e) {
      throw writeFailure(this.path, e);
    }
  }

  /** Writes what is left, waits for every slot, closes the file; the sha256 of all of it. */
  async finish(): Promise<string> {
    await this.dispatch();
    for (const f of this.inFlight) if (f) await f;
    try {
      await this.fh.close();
    } catch (e) {
      throw writeFailure(this.path, e);
    }
    return this.hashes.digest();
  }
}

/** Streams the body of `plan` to `path`, hashed by `hasher`'s worker as it is written. */
export async function writeOnnxBody(path: string, plan: OnnxBytes, hasher: FileHasher): Promise<OnnxFileBody> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'w');
  } catch (e) {
    throw writeFailure(path, e);
  }
  const out = new SlotWriter(path, fh, hasher, slotBytes(plan.bodyLength));
  const destroy = () => void fh.close().catch(() => {});
  try {
    for (const p of plan.bodyParts()) {
      if (p instanceof Uint8Array) await out.put(p);
      else if (p.fill && p.byteLength >= FILL_MIN && p.byteLength % 4 === 0)
        for (let at = 0; at < p.byteLength; ) {
          const piece = await out.region(p.byteLength - at);
          p.fill(piece, at);
          at += piece.length;
        }
      else await out.put(initializerBytes(p));
    }
    if (out.written !== plan.bodyLength) throw new PosePortError('EMIT_FORMAT', `wrote ${out.written} bytes of the ONNX body, planned ${plan.bodyLength}`, { file: path });
  } catch (e) {
    destroy();
    throw e;
  }
  return {
    async finish(tail) {
      try {
        await out.put(tail);
        return await out.finish();
      } catch (e) {
        destroy();
        throw e;
      }
    },
    destroy,
  };
}
