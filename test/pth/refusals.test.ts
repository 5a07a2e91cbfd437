/**
 * Reads torch refuses, refused alike: torch-written legacy files mutated at the byte
 * level so that (1) a storage's element-count header differs from the size its
 * persistent id declares (torch: "storage has wrong byte size"), (2) a str key holds
 * bytes that are not UTF-8 (torch: UnicodeDecodeError). torch.load of every mutated
 * file is run too, so each test shows torch's refusal, and the str reading that torch
 * does accept (a byte-order mark, a lone surrogate under surrogatepass) reads equal.
 */
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PosePortError } from '../../src/core/errors.js';
import { openCheckpoint } from '../../src/pth/index.js';
import { requireTorch, runPython } from '../helpers/ckpt.js';

const torch = requireTorch();
const withTorch = torch ? test.serial : test.serial.skip;
const tmp = mkdtempSync(join(tmpdir(), 'pose-port-refusals-'));
test.after.always(() => rmSync(tmp, { recursive: true, force: true }));

/** torch.save(state, legacy container) of `{name: tensor}` given as python expressions. */
function torchSave(file: string, dict: string): Buffer {
  runPython(`import torch, sys\ntorch.save(${dict}, sys.argv[1], _use_new_zipfile_serialization=False)`, [file]);
  return readFileSync(file);
}

/** What torch.load does with the file: {ok, keys} or {error: "Type: message"}. */
function torchLoad(file: string): { ok: boolean; keys?: string[]; error?: string } {
  const out = runPython(
    [
      'import torch, sys, json',
      'try:',
      '    sd = torch.load(sys.argv[1])',
      '    print(json.dumps({"ok": True, "keys": list(sd.keys())}))',
      'except Exception as e:',
      '    print(json.dumps({"ok": False, "error": type(e).__name__ + ": " + str(e)}))',
    ].join('\n'),
    [file],
  );
  return JSON.parse(out) as { ok: boolean; keys?: string[]; error?: string };
}

async function refusal(file: string): Promise<PosePortError> {
  try {
    (await openCheckpoint(file)).close();
  } catch (e) {
    if (e instanceof PosePortError) return e;
    throw e;
  }
  throw new Error(`${file} was read without error`);
}

withTorch('a legacy storage whose count header is one element more (or fewer) than its persistent id says is refused, as torch refuses it', async (t) => {
  const good = join(tmp, 'storage.pth');
  const bytes = torchSave(good, "{'w': torch.arange(3, dtype=torch.float32)}");
  t.true(torchLoad(good).ok, 'the unmutated file loads in torch');
  // the only storage is last: int64 count 3, then 3 float32
  const header = bytes.length - 8 - 12;
  t.is(bytes.readBigInt64LE(header), 3n);
  for (const delta of [1, -1]) {
    const mutated = Buffer.concat([bytes.subarray(0, header), Buffer.alloc(8), delta > 0 ? Buffer.concat([bytes.subarray(header + 8), Buffer.alloc(4)]) : bytes.subarray(header + 8, bytes.length - 4)]);
    mutated.writeBigInt64LE(BigInt(3 + delta), header);
    const file = join(tmp, `storage${delta > 0 ? '-plus' : '-minus'}.pth`);
    writeFileSync(file, mutated);
    const th = torchLoad(file);
    t.false(th.ok);
    t.regex(th.error!, /storage has wrong byte size/);
    const e = await refusal(file);
    t.is(e.code, 'LEGACY_FORMAT');
    t.is(e.offset, header);
    t.is(e.file, file);
    t.regex(e.message, new RegExp(`storage '\\d+' holds ${3 + delta} elements but its persistent id declares 3; torch.load refuses this too`));
  }
});

withTorch('a str key that is not UTF-8 is refused at its byte, as torch refuses it; nothing reads an altered name', async (t) => {
  const good = join(tmp, 'key.pth');
  const bytes = torchSave(good, "{'abcdefgh': torch.ones(2)}");
  // protocol 2: BINUNICODE 'X', uint32 length 8, the 8 bytes
  const at = bytes.indexOf(Buffer.concat([Buffer.from([0x58, 8, 0, 0, 0]), Buffer.from('abcdefgh')]));
  t.true(at > 0, 'the key is a BINUNICODE in the pickle');
  const text = at + 5;
  const cases: [string, number[], number][] = [
    ['a lone 0xff', [0xff], 2],
    ['a stray continuation byte', [0x80], 2],
    ['an overlong "/"', [0xc0, 0xaf], 2],
    ['a sequence cut by the next character', [0xe2, 0x82], 2],
    ['a code point past U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 2],
    ['a truncated sequence at the end', [0xe2, 0x82], 6],
  ];
  for (const [what, patch, pos] of cases) {
    const mutated = Buffer.from(bytes);
    mutated.set(patch, text + pos);
    const file = join(tmp, `key-${what.replace(/\W+/g, '-')}.pth`);
    writeFileSync(file, mutated);
    const th = torchLoad(file);
    t.false(th.ok, what);
    t.regex(th.error!, /UnicodeDecodeError: 'utf-8' codec can't decode/, what);
    const e = await refusal(file);
    t.is(e.code, 'PICKLE_FORMAT', what);
    t.is(e.offset, text + pos, what);
    t.regex(e.message, new RegExp(`str of 8 bytes is not valid UTF-8 at its byte ${pos} \\(${patch[0].toString(16)}`), what);
  }
});

withTorch('str keys torch accepts read the same: a byte-order mark is kept, a lone surrogate passes (surrogatepass), 4-byte characters', async (t) => {
  const file = join(tmp, 'keys-ok.pth');
  torchSave(file, "{'\\ufeffw': torch.ones(1), 'a\\ud800b': torch.ones(1), 'x\\U0001F600\\u00e9': torch.ones(1)}");
  const th = torchLoad(file);
  t.true(th.ok);
  const ckpt = await openCheckpoint(file);
  try {
    t.deepEqual(
      ckpt.tensors.entries.map((e) => e.name),
      th.keys,
    );
    t.deepEqual(th.keys, ['\ufeffw', 'a\ud800b', 'x\u{1F600}\u00e9']);
  } finally {
    ckpt.close();
  }
});
