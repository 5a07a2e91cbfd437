/**
 * A pre-scan of one pickle, run before pickleparser sees it.
 *
 * pickleparser 0.2.1 is a plain stack machine that trusts its input: it pops from
 * empty stacks (values become `undefined`, a missing MARK crashes with a TypeError),
 * spreads a whole MARK frame into one call (`list.push(...items)`, a RangeError when
 * huge), reads memo slots that were never written, assigns DICT keys as object
 * properties (`dict['__proto__'] = ...`), decodes LONG1/LONG4 wrongly (see long.ts)
 * and prints a warning for 8-byte lengths. This scanner walks the opcodes once
 * without building values and models the stack depth, the MARK frames and the memo,
 * so that the parse which follows only ever runs a well-formed program of accepted
 * opcodes, within limits:
 *
 *  - only the binary opcodes protocols 2..5 write (plus protocol 1's binary ones);
 *    text (protocol 0) opcodes, DICT, INST, OBJ, PERSID, EXT*, NEXT_BUFFER refused;
 *  - every declared length is checked against the bytes that remain, before the
 *    parse allocates anything for it;
 *  - no stack underflow, no MARK-less frame pop, no read of an unset memo slot;
 *  - MARK nesting, items per frame, objects and memo entries bounded.
 *
 * It also decodes every LONG1/LONG4 payload exactly, keyed by opcode offset.
 *
 * Past 300 lines because it is one opcode switch over one modelled stack: each case
 * states what that opcode pops, pushes and reads, in the order the VM runs them.
 */
import { PosePortError } from '../../core/errors.js';
import { decodeLong, MAX_LONG_BYTES } from './long.js';
import { OP, opName } from './opcodes.js';

export interface PickleLimits {
  /** MARK frames open at once */
  maxMarkDepth: number;
  /** items in one MARK frame (they are spread into one call by the parser) */
  maxFrameItems: number;
  /** values pushed over the whole pickle */
  maxObjects: number;
  /** memo entries */
  maxMemo: number;
  /** nesting depth of the unpickled value when it is converted to plain JS */
  maxValueDepth: number;
  /** values visited when converting to plain JS (shared references count each time) */
  maxValueNodes: number;
}

export const DEFAULT_LIMITS: Readonly<PickleLimits> = Object.freeze({
  maxMarkDepth: 1000,
  maxFrameItems: 65536,
  maxObjects: 5_000_000,
  maxMemo: 5_000_000,
  maxValueDepth: 200,
  maxValueNodes: 1_000_000,
});

export interface ScanResult {
  /** index of the first opcode (PROTO) in the scanned bytes */
  start: number;
  /** index just past STOP */
  end: number;
  /** protocol from the leading PROTO opcode */
  protocol: number;
  /** decoded LONG1/LONG4 values by opcode index */
  longs: Map<number, number | bigint>;
}

/** Thrown when the bytes given end inside the pickle but the file has more. */
export class NeedMoreBytes extends Error {
  constructor() {
    super('pickle continues past the bytes read so far');
  }
}

export interface ScanPlace {
  file: string;
  /** absolute file offset of bytes[0] */
  base: number;
  /** true when `bytes` reaches the end of the file (or record) */
  complete: boolean;
  /** what is being read, for messages: 'data.pkl', 'legacy object pickle' */
  what: string;
  limits?: PickleLimits;
}

export function scanPickle(bytes: Uint8Array, start: number, place: ScanPlace): ScanResult {
  const limits = place.limits ?? DEFAULT_LIMITS;
  const n = bytes.length;
  let pos = start;
  let opAt = start;
  let op = 0;
  let protocol = -1;
  let stack = 0; // items in the current MARK frame
  const frames: number[] = [];
  /** items allowed in the current frame (unbounded outside any MARK) */
  let frameLimit = Infinity;
  let objects = 0;
  const memo = new Set<number>();
  const longs = new Map<number, number | bigint>();

  const fail = (code: 'PICKLE_FORMAT' | 'PICKLE_LIMIT', msg: string): never => {
    throw new PosePortError(code, `${place.what}: ${msg} at ${opName(op)}`, { file: place.file, offset: place.base + opAt });
  };
  const need = (k: number): void => {
    if (k < 0 || pos + k > n) {
      if (!place.complete && k >= 0) throw new NeedMoreBytes();
      throw new PosePortError(
        'TRUNCATED',
        `${place.what}: ${opName(op)} needs ${k} more bytes but only ${Math.max(0, n - pos)} remain`,
        { file: place.file, offset: place.base + opAt },
      );
    }
  };
  const u8 = (): number => {
    need(1);
    return bytes[pos++];
  };
  const u32 = (): number => {
    need(4);
    const v = (bytes[pos] | (bytes[pos + 1] << 8) | (bytes[pos + 2] << 16)) + bytes[pos + 3] * 2 ** 24;
    pos += 4;
    return v;
  };
  const i32 = (): number => {
    const v = u32();
    return v >= 2 ** 31 ? v - 2 ** 32 : v;
  };
  /** 8-byte length; anything past the remaining bytes is reported without building a bigint */
  const len8 = (): number => {
    need(8);
    const lo = (bytes[pos] | (bytes[pos + 1] << 8) | (bytes[pos + 2] << 16)) + bytes[pos + 3] * 2 ** 24;
    const hi = (bytes[pos + 4] | (bytes[pos + 5] << 8) | (bytes[pos + 6] << 16)) + bytes[pos + 7] * 2 ** 24;
    pos += 8;
    return hi >= 2 ** 21 ? Number.MAX_SAFE_INTEGER : hi * 2 ** 32 + lo;
  };
  /** skip a declared length of payload, checked against what remains */
  const payload = (len: number): void => {
    if (len < 0) fail('PICKLE_FORMAT', `negative length ${len}`);
    if (pos + len > n) {
      if (!place.complete) throw new NeedMoreBytes();
      throw new PosePortError(
        'TRUNCATED',
        `${place.what}: ${opName(op)} declares ${len} bytes but only ${n - pos} remain`,
        { file: place.file, offset: place.base + opAt },
      );
    }
    pos += len;
  };
  const line = (): void => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) {
      if (!place.complete) throw new NeedMoreBytes();
      throw new PosePortError('TRUNCATED', `${place.what}: ${opName(op)} line runs to the end of the pickle`, {
        file: place.file,
        offset: place.base + opAt,
      });
    }
    if (end - pos > 1024) fail('PICKLE_LIMIT', `line of ${end - pos} bytes`);
    pos = end + 1;
  };
  const pops = (k: number): void => {
    if (stack < k) fail('PICKLE_FORMAT', `stack underflow (needs ${k}, has ${stack})`);
    stack -= k;
  };
  const push = (): void => {
    if (++stack > frameLimit || ++objects > limits.maxObjects) overflow();
  };
  /** the error for a push past a limit (the hot cases count inline and call this) */
  const overflow = (): never => {
    if (stack > frameLimit) fail('PICKLE_LIMIT', `more than ${limits.maxFrameItems} items after one MARK`);
    return fail('PICKLE_LIMIT', `more than ${limits.maxObjects} values`);
  };
  /** pops a MARK frame, returning how many items it held */
  const popMark = (): number => {
    if (frames.length === 0) fail('PICKLE_FORMAT', 'no MARK to pop');
    const items = stack;
    stack = frames.pop()!;
    frameLimit = frames.length > 0 ? limits.maxFrameItems : Infinity;
    return items;
  };
  const memoPut = (index: number): void => {
    pops(1);
    stack++;
    if (!memo.has(index) && memo.size >= limits.maxMemo) fail('PICKLE_LIMIT', `more than ${limits.maxMemo} memo entries`);
    memo.add(index);
  };
  const memoGet = (index: number): void => {
    if (!memo.has(index)) fail('PICKLE_FORMAT', `memo slot ${index} read before it was written`);
    push();
  };

  for (;;) {
    opAt = pos;
    if (pos >= n) {
      op = 0;
      if (!place.complete) throw new NeedMoreBytes();
      throw new PosePortError('TRUNCATED', `${place.what}: pickle ends without STOP`, {
        file: place.file,
        offset: place.base + pos,
      });
    }
    op = bytes[pos++];
    if (opAt === start) {
      if (op !== OP.PROTO) fail('PICKLE_FORMAT', 'pickle does not start with PROTO (protocol 2 or later required)');
    }
    switch (op) {
      case OP.PROTO: {
        const v = u8();
        if (opAt !== start) fail('PICKLE_FORMAT', 'PROTO after the first opcode');
        if (v < 2 || v > 5) fail('PICKLE_FORMAT', `pickle protocol ${v} (2 to 5 supported)`);
        protocol = v;
        break;
      }
      case OP.FRAME: {
        const len = len8();
        if (pos + len > n && place.complete) {
          throw new PosePortError('TRUNCATED', `${place.what}: FRAME of ${len} bytes runs past the end (${n - pos} remain)`, {
            file: place.file,
            offset: place.base + opAt,
          });
        }
        break;
      }
      case OP.STOP:
        if (frames.length !== 0) fail('PICKLE_FORMAT', `${frames.length} MARK(s) still open`);
        if (stack !== 1) fail('PICKLE_FORMAT', `stack holds ${stack} values, expected 1`);
        return { start, end: pos, protocol, longs };
      case OP.MARK:
        if (frames.length >= limits.maxMarkDepth) fail('PICKLE_LIMIT', `MARKs nested deeper than ${limits.maxMarkDepth}`);
        frames.push(stack);
        stack = 0;
        frameLimit = limits.maxFrameItems;
        break;
      case OP.POP:
        pops(1);
        break;
      case OP.POP_MARK:
        popMark();
        break;
      case OP.DUP:
        pops(1);
        stack++;
        push();
        break;
      // ---- constants
      case OP.NONE:
      case OP.NEWTRUE:
      case OP.NEWFALSE:
      case OP.EMPTY_TUPLE:
      case OP.EMPTY_LIST:
      case OP.EMPTY_DICT:
      case OP.EMPTY_SET:
        if (++stack > frameLimit || ++objects > limits.maxObjects) overflow();
        break;
      case OP.BININT:
        i32();
        push();
        break;
      case OP.BININT1:
        if (pos + 1 > n) need(1);
        pos += 1;
        if (++stack > frameLimit || ++objects > limits.maxObjects) overflow();
        break;
      case OP.BININT2:
        if (pos + 2 > n) need(2);
        pos += 2;
        if (++stack > frameLimit || ++objects > limits.maxObjects) overflow();
        break;
      case OP.BINFLOAT:
        need(8);
        pos += 8;
        push();
        break;
      case OP.LONG1:
      case OP.LONG4: {
        const len = op === OP.LONG1 ? u8() : u32();
        if (len > MAX_LONG_BYTES) fail('PICKLE_LIMIT', `integer of ${len} bytes (at most ${MAX_LONG_BYTES})`);
        payload(len);
        longs.set(opAt, decodeLong(bytes.subarray(pos - len, pos)));
        push();
        break;
      }
      // ---- strings and bytes
      case OP.SHORT_BINSTRING:
      case OP.SHORT_BINBYTES:
      case OP.SHORT_BINUNICODE:
        payload(u8());
        push();
        break;
      case OP.BINSTRING:
      case OP.BINBYTES:
        payload(i32());
        push();
        break;
      case OP.BINUNICODE: {
        if (pos + 4 > n) need(4);
        const len = (bytes[pos] | (bytes[pos + 1] << 8) | (bytes[pos + 2] << 16)) + bytes[pos + 3] * 2 ** 24;
        pos += 4;
        if (pos + len > n) payload(len);
        pos += len;
        if (++stack > frameLimit || ++objects > limits.maxObjects) overflow();
        break;
      }
      case OP.BINUNICODE8:
      case OP.BINBYTES8:
      case OP.BYTEARRAY8:
        payload(len8());
        push();
        break;
      // ---- containers
      case OP.TUPLE:
      case OP.LIST:
      case OP.FROZENSET:
        popMark();
        push();
        break;
      case OP.TUPLE1:
        if (stack < 1) pops(1);
        if (++objects > limits.maxObjects) fail('PICKLE_LIMIT', `more than ${limits.maxObjects} values`);
        break;
      case OP.TUPLE2:
        pops(2);
        push();
        break;
      case OP.TUPLE3:
        pops(3);
        push();
        break;
      case OP.APPEND:
        pops(2);
        stack++;
        break;
      case OP.APPENDS:
      case OP.ADDITEMS:
        popMark();
        if (stack < 1) fail('PICKLE_FORMAT', 'no container below the MARK');
        break;
      case OP.SETITEM:
        pops(3);
        stack++;
        break;
      case OP.SETITEMS: {
        const items = popMark();
        if (items % 2 !== 0) fail('PICKLE_FORMAT', `odd number of items (${items}) for key/value pairs`);
        if (stack < 1) fail('PICKLE_FORMAT', 'no dict below the MARK');
        break;
      }
      // ---- memo
      case OP.BINPUT:
        memoPut(u8());
        break;
      case OP.LONG_BINPUT: {
        if (pos + 4 > n) need(4);
        const index = (bytes[pos] | (bytes[pos + 1] << 8) | (bytes[pos + 2] << 16)) + bytes[pos + 3] * 2 ** 24;
        pos += 4;
        if (stack < 1 || (!memo.has(index) && memo.size >= limits.maxMemo)) memoPut(index);
        else memo.add(index);
        break;
      }
      case OP.MEMOIZE:
        memoPut(memo.size);
        break;
      case OP.BINGET: {
        if (pos + 1 > n) need(1);
        const index = bytes[pos++];
        if (!memo.has(index) || stack + 1 > frameLimit || objects + 1 > limits.maxObjects) memoGet(index);
        else {
          stack++;
          objects++;
        }
        break;
      }
      case OP.LONG_BINGET:
        memoGet(u32());
        break;
      // ---- names, calls, objects
      case OP.GLOBAL:
        line();
        line();
        push();
        break;
      case OP.STACK_GLOBAL:
        pops(2);
        push();
        break;
      case OP.REDUCE:
      case OP.NEWOBJ:
        pops(2);
        push();
        break;
      case OP.NEWOBJ_EX:
        pops(3);
        push();
        break;
      case OP.BUILD:
        pops(2);
        stack++;
        break;
      case OP.BINPERSID:
        pops(1);
        push();
        break;
      case OP.READONLY_BUFFER:
        pops(1);
        stack++;
        break;
      default:
        // text opcodes (protocol 0), DICT/INST/OBJ (whose pickleparser handling is unsafe
        // or unneeded), PERSID, EXT1/2/4, NEXT_BUFFER and unknown bytes
        fail('PICKLE_FORMAT', 'opcode not accepted');
    }
  }
}
