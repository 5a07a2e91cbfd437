/**
 * Hand-built pickles and containers for tests that need bytes torch never writes:
 * a pickle assembler, a stored-zip writer (zip64 optional) and the legacy stream.
 */
const utf8 = new TextEncoder();

function u16(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff];
}
function u32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}
function u64(n: number | bigint): number[] {
  const v = BigInt(n);
  const out: number[] = [];
  for (let i = 0n; i < 8n; i++) out.push(Number((v >> (8n * i)) & 0xffn));
  return out;
}

/** A pickle assembler: each method appends one opcode (with its argument). */
export class P {
  private readonly b: number[] = [];
  raw(...xs: number[]): this {
    for (const x of xs) this.b.push(x);
    return this;
  }
  rawBytes(xs: ArrayLike<number>): this {
    for (let i = 0; i < xs.length; i++) this.b.push(xs[i]);
    return this;
  }
  proto(v = 2): this {
    return this.raw(0x80, v);
  }
  stop(): this {
    return this.raw(0x2e);
  }
  mark(): this {
    return this.raw(0x28);
  }
  none(): this {
    return this.raw(0x4e);
  }
  bool(v: boolean): this {
    return this.raw(v ? 0x88 : 0x89);
  }
  int(n: number): this {
    if (n >= 0 && n < 256) return this.raw(0x4b, n);
    if (n >= 0 && n < 65536) return this.raw(0x4d, ...u16(n));
    if (n >= -(2 ** 31) && n < 2 ** 31) return this.raw(0x4a, ...u32(n >>> 0));
    throw new Error('use long()');
  }
  /** LONG1 of the given little-endian payload */
  long1(payload: number[]): this {
    return this.raw(0x8a, payload.length, ...payload);
  }
  str(s: string): this {
    const e = utf8.encode(s);
    return this.raw(0x58, ...u32(e.length)).rawBytes(e);
  }
  bytes(b: ArrayLike<number>): this {
    return this.raw(0x42, ...u32(b.length)).rawBytes(b);
  }
  global(mod: string, name: string): this {
    return this.raw(0x63).rawBytes(utf8.encode(`${mod}\n${name}\n`));
  }
  stackGlobal(mod: string, name: string): this {
    return this.str(mod).str(name).raw(0x93);
  }
  emptyDict(): this {
    return this.raw(0x7d);
  }
  emptyList(): this {
    return this.raw(0x5d);
  }
  emptyTuple(): this {
    return this.raw(0x29);
  }
  tuple(): this {
    return this.raw(0x74);
  }
  tuple1(): this {
    return this.raw(0x85);
  }
  setitem(): this {
    return this.raw(0x73);
  }
  setitems(): this {
    return this.raw(0x75);
  }
  append(): this {
    return this.raw(0x61);
  }
  appends(): this {
    return this.raw(0x65);
  }
  reduce(): this {
    return this.raw(0x52);
  }
  build(): this {
    return this.raw(0x62);
  }
  binpersid(): this {
    return this.raw(0x51);
  }
  put(i: number): this {
    return i < 256 ? this.raw(0x71, i) : this.raw(0x72, ...u32(i));
  }
  get(i: number): this {
    return i < 256 ? this.raw(0x68, i) : this.raw(0x6a, ...u32(i));
  }
  /** a tuple of small ints */
  ints(xs: number[]): this {
    this.mark();
    for (const x of xs) this.int(x);
    return this.tuple();
  }
  orderedDict(): this {
    return this.global('collections', 'OrderedDict').emptyTuple().reduce();
  }
  /** torch._utils._rebuild_tensor_v2 of a FloatStorage persistent id */
  tensor(key: string, numel: number, shape: number[], stride: number[], offset = 0, legacy = false): this {
    this.global('torch._utils', '_rebuild_tensor_v2');
    this.mark();
    this.mark().str('storage').global('torch', 'FloatStorage').str(key).str('cpu').int(numel);
    if (legacy) this.none();
    this.tuple().binpersid();
    this.int(offset).ints(shape).ints(stride).bool(false).orderedDict();
    return this.tuple().reduce();
  }
  /** lets a caller append arbitrary opcodes in a chain */
  call(f: (p: P) => void): this {
    f(this);
    return this;
  }
  get length(): number {
    return this.b.length;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.b);
  }
}

/**
 * A state-dict pickle: `{meta, state_dict}` when `meta` is given (it appends one value),
 * else a bare OrderedDict. Tensors are float32 over storages '0', '1', ...
 */
export function stateDictPickle(
  tensors: { name: string; numel: number; shape: number[]; stride?: number[]; offset?: number; key?: string }[],
  meta?: (p: P) => void,
  legacy = false,
): Uint8Array {
  const p = new P().proto(2);
  if (meta) p.emptyDict().str('meta').call(meta).setitem().str('state_dict');
  p.orderedDict();
  tensors.forEach((t, i) => {
    const stride = t.stride ?? rowMajor(t.shape);
    p.str(t.name).tensor(t.key ?? String(i), t.numel, t.shape, stride, t.offset ?? 0, legacy).setitem();
  });
  if (meta) p.setitem();
  return p.stop().done();
}

export function rowMajor(shape: number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export interface ZipRecord {
  name: string;
  data: Uint8Array;
}

/**
 * A zip of stored records, as torch writes them. With `zip64`, every size and offset
 * goes through zip64 extra fields (the 32-bit fields hold 0xffffffff) and the archive
 * ends with a zip64 end record and its locator, as for archives past 4 GiB.
 */
export function zipStored(records: ZipRecord[], opts: { zip64?: boolean } = {}): Uint8Array {
  const z64 = opts.zip64 ?? false;
  const out: number[] = [];
  const central: number[] = [];
  for (const r of records) {
    const name = utf8.encode(r.name);
    const crc = crc32(r.data);
    const offset = out.length;
    const localExtra = z64 ? [...u16(1), ...u16(16), ...u64(r.data.length), ...u64(r.data.length)] : [];
    out.push(...u32(0x04034b50), ...u16(z64 ? 45 : 20), ...u16(0), ...u16(0), ...u16(0), ...u16(0x21));
    out.push(...u32(crc), ...u32(z64 ? 0xffffffff : r.data.length), ...u32(z64 ? 0xffffffff : r.data.length));
    out.push(...u16(name.length), ...u16(localExtra.length), ...name, ...localExtra);
    for (let i = 0; i < r.data.length; i++) out.push(r.data[i]);
    const cdExtra = z64 ? [...u16(1), ...u16(24), ...u64(r.data.length), ...u64(r.data.length), ...u64(offset)] : [];
    central.push(...u32(0x02014b50), ...u16(z64 ? 45 : 20), ...u16(z64 ? 45 : 20), ...u16(0), ...u16(0), ...u16(0), ...u16(0x21));
    central.push(...u32(crc), ...u32(z64 ? 0xffffffff : r.data.length), ...u32(z64 ? 0xffffffff : r.data.length));
    central.push(...u16(name.length), ...u16(cdExtra.length), ...u16(0), ...u16(0), ...u16(0), ...u32(0));
    central.push(...u32(z64 ? 0xffffffff : offset), ...name, ...cdExtra);
  }
  const cdOffset = out.length;
  out.push(...central);
  if (z64) {
    const eocd64 = out.length;
    out.push(...u32(0x06064b50), ...u64(44), ...u16(45), ...u16(45), ...u32(0), ...u32(0));
    out.push(...u64(records.length), ...u64(records.length), ...u64(central.length), ...u64(cdOffset));
    out.push(...u32(0x07064b50), ...u32(0), ...u64(eocd64), ...u32(1));
  }
  out.push(...u32(0x06054b50), ...u16(0), ...u16(0));
  out.push(...u16(z64 ? 0xffff : records.length), ...u16(z64 ? 0xffff : records.length));
  out.push(...u32(z64 ? 0xffffffff : central.length), ...u32(z64 ? 0xffffffff : cdOffset), ...u16(0));
  return Uint8Array.from(out);
}

/** A torch-style zip checkpoint: `<folder>/data.pkl`, `<folder>/data/<key>`, `<folder>/version`. */
export function torchZip(pkl: Uint8Array, storages: Record<string, Uint8Array>, opts: { zip64?: boolean; folder?: string } = {}): Uint8Array {
  const folder = opts.folder ?? 'archive';
  const recs: ZipRecord[] = [{ name: `${folder}/data.pkl`, data: pkl }];
  for (const [k, v] of Object.entries(storages)) recs.push({ name: `${folder}/data/${k}`, data: v });
  recs.push({ name: `${folder}/version`, data: utf8.encode('3\n') });
  return zipStored(recs, opts);
}

const MAGIC = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

/** The legacy stream around an object pickle: magic, version, sys_info, object, keys, storages. */
export function legacyStream(objectPickle: Uint8Array, storages: { key: string; data: Uint8Array; elementSize?: number }[]): Uint8Array {
  const magic = new P().proto(2).long1(MAGIC).stop().done();
  const version = new P().proto(2).int(1001).stop().done();
  const sys = new P().proto(2).emptyDict().mark().str('protocol_version').int(1001).str('little_endian').bool(true);
  sys.str('type_sizes').emptyDict().mark().str('short').int(2).str('int').int(4).str('long').int(4).setitems().setitems().stop();
  const keys = new P().proto(2).emptyList().mark();
  for (const s of storages) keys.str(s.key);
  keys.appends().stop();
  const parts: Uint8Array[] = [magic, version, sys.done(), objectPickle, keys.done()];
  for (const s of storages) {
    parts.push(Uint8Array.from(u64(s.data.length / (s.elementSize ?? 4))), s.data);
  }
  return concat(parts);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function f32bytes(xs: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(xs).buffer);
}
