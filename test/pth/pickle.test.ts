/**
 * The pickle layer on hand-built pickles: exact LONG1/LONG4 (where pickleparser alone
 * fails), the scanner's refusals and limits, memo and nesting bombs, __proto__ keys,
 * and values BUILD tries to bend. Each pickle is wrapped in a torch-style zip (and
 * some in the legacy stream) and read through openCheckpointBytes.
 */
import test from 'ava';
import pickleparser from 'pickleparser';
import { PosePortError, type ErrorCode } from '../../src/core/errors.js';
import { openCheckpointBytes } from '../../src/pth/index.js';
import { decodeLong } from '../../src/pth/pickle/long.js';
import { f32bytes, legacyStream, P, stateDictPickle, torchZip } from './build.js';
import { expectPoseError } from '../helpers/errors.js';

const W = { name: 'w', numel: 4, shape: [4] };
const DATA = { '0': f32bytes([1, 2, 3, 4]) };

/** a zip checkpoint whose meta is whatever `meta` appends */
function withMeta(meta: (p: P) => void, proto = 2): Uint8Array {
  const pkl = stateDictPickle([W], meta);
  if (proto !== 2) pkl[1] = proto;
  return torchZip(pkl, DATA);
}

function expectError(t: import('ava').ExecutionContext, bytes: Uint8Array, code: ErrorCode, message?: RegExp, opts = {}): PosePortError {
  const e = expectPoseError(t, () => openCheckpointBytes(bytes, { name: 'crafted.pth', ...opts }), code);
  if (message) t.regex(e.message, message);
  t.is(e.file, 'crafted.pth');
  return e;
}

test('LONG1/LONG4 decode exactly, including the 10-byte legacy magic, negatives and 8-byte values', (t) => {
  const le = (v: bigint, n: number) => Array.from({ length: n }, (_, i) => Number((BigInt.asUintN(8 * n, v) >> BigInt(8 * i)) & 0xffn));
  t.is(decodeLong(Uint8Array.from(le(0x1950a86a20f9469cfc6cn, 10))), 0x1950a86a20f9469cfc6cn);
  t.is(decodeLong(Uint8Array.from([0xff])), -1);
  t.is(decodeLong(Uint8Array.from([0x80])), -128);
  t.is(decodeLong(Uint8Array.from([0x00, 0x80])), -32768);
  t.is(decodeLong(Uint8Array.from([])), 0);
  t.is(decodeLong(Uint8Array.from(le(2n ** 63n - 1n, 8))), 2n ** 63n - 1n);
  t.is(decodeLong(Uint8Array.from(le(-(2n ** 63n), 8))), -(2n ** 63n));
  t.is(decodeLong(Uint8Array.from(le(2n ** 53n - 1n, 8))), 2 ** 53 - 1);
  t.is(decodeLong(Uint8Array.from(le(2n ** 53n + 1n, 8))), 2n ** 53n + 1n, 'no float rounding');
  t.is(decodeLong(Uint8Array.from(le(-123456789012n, 6))), -123456789012);
});

test('pickleparser on its own cannot decode the legacy magic number, so LONG is ours', (t) => {
  const { Parser } = pickleparser;
  const magic = new P().proto(2).long1([0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]).stop().done();
  t.throws(() => new Parser().parse(magic), { message: /too large/ });
  const minusOne = new P().proto(2).long1([0xff]).stop().done();
  t.is(new Parser().parse(minusOne), 255, 'pickleparser reads LONG1 unsigned');
  // ours, through a whole legacy file
  const l = legacyStream(stateDictPickle([W], undefined, true), [{ key: '0', data: DATA['0'] }]);
  t.is(openCheckpointBytes(l).format, 'legacy');
  const meta = withMeta((p) => p.mark().long1([0xff]).long1([0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80]).tuple());
  t.deepEqual(openCheckpointBytes(meta).meta, [-1, -(2n ** 63n)]);
});

test('a wrong legacy magic number is refused', (t) => {
  const l = legacyStream(stateDictPickle([W], undefined, true), [{ key: '0', data: DATA['0'] }]);
  l[13] ^= 1; // last magic byte: the probe no longer matches
  expectError(t, l, 'NOT_A_CHECKPOINT', /80 02 8a 0a/);
});

test('opcodes outside protocols 2-5 binary set are refused with their name and offset', (t) => {
  const cases: [string, (p: P) => void, RegExp][] = [
    ['INT (text)', (p) => p.raw(0x49).rawBytes(new TextEncoder().encode('5\n')), /INT \(0x49\)/],
    ['DICT', (p) => p.mark().str('__proto__').str('x').raw(0x64), /DICT \(0x64\)/],
    ['INST', (p) => p.mark().raw(0x69).rawBytes(new TextEncoder().encode('os\nsystem\n')), /INST/],
    ['OBJ', (p) => p.mark().global('collections', 'OrderedDict').raw(0x6f), /OBJ/],
    ['EXT1', (p) => p.raw(0x82, 1), /EXT1/],
    ['PERSID (text)', (p) => p.raw(0x50).rawBytes(new TextEncoder().encode('0\n')), /PERSID/],
    ['NEXT_BUFFER', (p) => p.raw(0x97), /NEXT_BUFFER/],
    ['unknown', (p) => p.raw(0xff), /unknown opcode 0xff/],
  ];
  for (const [name, meta, re] of cases) {
    const bytes = withMeta(meta);
    const e = expectError(t, bytes, 'PICKLE_FORMAT', re);
    if (e) t.true(e.offset! > 0 && e.offset! < bytes.length, `${name}: offset ${e.offset}`);
  }
});

test('a pickle that does not start with PROTO 2..5 is refused', (t) => {
  const pkl = stateDictPickle([W]);
  pkl[1] = 1;
  expectError(t, torchZip(pkl, DATA), 'PICKLE_FORMAT', /protocol 1/);
  pkl[1] = 6;
  expectError(t, torchZip(pkl, DATA), 'PICKLE_FORMAT', /protocol 6/);
});

test('stack underflow, a missing MARK, odd SETITEMS and unset memo slots are refused before parsing', (t) => {
  expectError(t, withMeta((p) => p.append()), 'PICKLE_FORMAT', /underflow/);
  expectError(t, withMeta((p) => p.emptyList().appends()), 'PICKLE_FORMAT', /no MARK/);
  expectError(t, withMeta((p) => p.emptyDict().mark().str('a').setitems()), 'PICKLE_FORMAT', /odd number/);
  expectError(t, withMeta((p) => p.get(7)), 'PICKLE_FORMAT', /memo slot 7/);
  expectError(t, withMeta((p) => p.mark().none()), 'PICKLE_FORMAT', /underflow/);
  expectError(t, torchZip(new P().proto(2).mark().none().stop().done(), DATA), 'PICKLE_FORMAT', /MARK\(s\) still open/);
});

test('deep MARK nesting is bounded', (t) => {
  expectError(t, withMeta((p) => { for (let i = 0; i < 100_000; i++) p.mark(); }), 'PICKLE_LIMIT', /nested deeper/);
});

test('deeply nested values (TUPLE1 chains, lists in lists) are bounded when converted', (t) => {
  const tuples = withMeta((p) => {
    p.none();
    for (let i = 0; i < 100_000; i++) p.tuple1();
  });
  const started = Date.now();
  expectError(t, tuples, 'PICKLE_LIMIT', /nested deeper than 200/);
  const lists = withMeta((p) => {
    for (let i = 0; i < 50_000; i++) p.emptyList();
    for (let i = 0; i < 49_999; i++) p.append();
  });
  expectError(t, lists, 'PICKLE_LIMIT', /nested deeper/);
  t.true(Date.now() - started < 60_000);
  // shallow nesting is fine
  t.deepEqual(openCheckpointBytes(withMeta((p) => p.none().tuple1().tuple1())).meta, [[null]]);
});

test('memo bombs: shared references cannot blow up the converted meta', (t) => {
  // l0 = [None]; l(k+1) = [lk, lk]: 2^150 leaves from a few KB of pickle
  const doubling = withMeta((p) => {
    p.emptyList().none().append().put(0).raw(0x30);
    for (let k = 1; k <= 150; k++) {
      p.emptyList().get(k - 1).append().get(k - 1).append().put(k);
      if (k < 150) p.raw(0x30); // POP: the list lives on in the memo
    }
  });
  const started = Date.now();
  expectError(t, doubling, 'PICKLE_LIMIT', /more than 1000000 values/);
  // 3000 references to one memoized 1000-element list
  const wide = withMeta((p) => {
    p.emptyList().mark();
    for (let i = 0; i < 1000; i++) p.int(i);
    p.appends().put(0);
    p.raw(0x30); // POP the list, it stays in the memo
    p.emptyList();
    for (let b = 0; b < 3; b++) {
      p.mark();
      for (let i = 0; i < 1000; i++) p.get(0);
      p.appends();
    }
  });
  expectError(t, wide, 'PICKLE_LIMIT', /values/);
  t.true(Date.now() - started < 60_000, `${Date.now() - started} ms`);
  // a list that contains itself
  expectError(t, withMeta((p) => p.emptyList().put(0).get(0).append()), 'PICKLE_FORMAT', /contains itself/);
});

test('memo and value counts are bounded by the limits option', (t) => {
  const many = withMeta((p) => {
    p.emptyList();
    for (let i = 0; i < 300; i++) p.emptyList().put(i).append();
  });
  t.is((openCheckpointBytes(many).meta as unknown[]).length, 300);
  expectError(t, many, 'PICKLE_LIMIT', /more than 100 memo entries/, { limits: { maxMemo: 100 } });
  expectError(t, many, 'PICKLE_LIMIT', /more than 200 values/, { limits: { maxObjects: 200 } });
  const wide = withMeta((p) => {
    p.emptyList().mark();
    for (let i = 0; i < 70_000; i++) p.none();
    p.appends();
  });
  expectError(t, wide, 'PICKLE_LIMIT', /items after one MARK/);
});

test('declared lengths past the end are refused before anything is allocated', (t) => {
  const u64 = (v: bigint) => Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
  const u32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
  const cases: [string, (p: P) => void, ErrorCode][] = [
    ['BINUNICODE8 2^62', (p) => p.raw(0x8d, ...u64(2n ** 62n)), 'TRUNCATED'],
    ['BINBYTES8 2^64-1', (p) => p.raw(0x8e, ...u64(2n ** 64n - 1n)), 'TRUNCATED'],
    ['BYTEARRAY8 2^40', (p) => p.raw(0x96, ...u64(2n ** 40n)), 'TRUNCATED'],
    ['BINUNICODE 2^32-1', (p) => p.raw(0x58, ...u32(0xffffffff)), 'TRUNCATED'],
    ['BINBYTES 2^31-1', (p) => p.raw(0x42, ...u32(0x7fffffff)), 'TRUNCATED'],
    ['BINBYTES negative', (p) => p.raw(0x42, ...u32(0xfffffff0)), 'PICKLE_FORMAT'],
    ['LONG4 2^31', (p) => p.raw(0x8b, ...u32(0x80000000)), 'PICKLE_LIMIT'],
    ['FRAME 2^60', (p) => p.raw(0x95, ...u64(2n ** 60n)), 'TRUNCATED'],
  ];
  for (const [name, meta, code] of cases) {
    const started = Date.now();
    const e = expectError(t, withMeta(meta, 4), code);
    t.true(Date.now() - started < 10_000, name);
    if (e) t.regex(e.message, /needs|declares|remain|negative|integer of|FRAME/, name);
  }
});

test('BUILD cannot bend values: frozen globals, __proto__ state on a list, foreign __setstate__', (t) => {
  // BUILD on a resolved global (a frozen function): refused, nothing attached
  expectError(t, withMeta((p) => p.global('collections', 'OrderedDict').emptyDict().str('x').int(1).setitem().build()), 'PICKLE_FORMAT');
  // BUILD a list with {'__proto__': OrderedDict()}: Object.assign re-points the list's
  // prototype; the list is still read as a list and Object.prototype is untouched
  const bent = withMeta((p) => p.emptyList().emptyDict().str('__proto__').orderedDict().setitem().build());
  let outcome: unknown;
  try {
    outcome = openCheckpointBytes(bent).meta;
  } catch (e) {
    t.true(e instanceof PosePortError);
  }
  if (outcome !== undefined) t.deepEqual(outcome, []);
  t.is((Object.prototype as Record<string, unknown>).x, undefined);
  // a numpy dtype's BUILD state given twice, or to the wrong receiver
  expectError(
    t,
    withMeta((p) => p.global('numpy', 'dtype').str('f8').tuple1().reduce().mark().int(3).str('<').tuple().build().mark().int(3).str('>').tuple().build()),
    'PICKLE_FORMAT',
    /state set twice/,
  );
});

test('STACK_GLOBAL names must be strings and on the allowlist', (t) => {
  expectError(t, withMeta((p) => p.int(1).int(2).raw(0x93), 4), 'PICKLE_GLOBAL', /<non-string name>/);
  const e = expectError(t, withMeta((p) => p.stackGlobal('builtins', 'getattr'), 4), 'PICKLE_GLOBAL', /builtins\.getattr/);
  if (e) t.is(e.key, 'builtins.getattr');
});

test('allowlisted callables check their arguments', (t) => {
  const v2 = (args: (p: P) => void) => withMeta((p) => p.global('torch._utils', '_rebuild_tensor_v2').mark().call(args).tuple().reduce());
  expectError(t, v2((p) => p.none().int(0).ints([1]).ints([1]).bool(false).none()), 'PICKLE_FORMAT', /not a storage/);
  expectError(t, withMeta((p) => p.global('torch', 'Size').mark().int(1).none().tuple().tuple1().reduce()), 'PICKLE_FORMAT', /torch\.Size\[1\]/);
  expectError(t, withMeta((p) => p.global('_codecs', 'encode').str('\u0100').str('latin1').raw(0x86).reduce()), 'PICKLE_FORMAT', /code point 256/);
  expectError(t, withMeta((p) => p.global('torch', 'FloatStorage').emptyTuple().reduce()), 'PICKLE_FORMAT', /not a function/);
  // persistent ids other than storages
  expectError(t, withMeta((p) => p.mark().str('module').none().none().none().tuple().binpersid()), 'PICKLE_FORMAT', /nn\.Module/);
});
