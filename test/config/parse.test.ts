/**
 * The config reader: Python literal syntax read, everything else left unevaluated with
 * its line and column, and hostile texts bounded (nothing evaluated, a clear issue).
 */
import test from 'ava';
import { parseConfigText } from '../../src/config/parse.js';
import { readCheckpointConfig } from '../../src/config/index.js';
import { CONFIG_LIMITS, PyDict, Unreadable, toJson } from '../../src/config/value.js';

const read = (text: string) => {
  const r = parseConfigText(text);
  return { r, v: (name: string) => toJson(r.vars.get(name)!.value) as any };
};

test('literals: every quote form, prefixes, escapes, implicit concatenation, numbers, constants, comments, trailing commas', (t) => {
  const { r, v } = read(
    [
      "a = 'x' \"y\" '''t\nq''' \"\"\"u\"\"\"  # comment",
      "b = r'\\d{\\'a}' + ''",
      "c = 'esc\\t\\n\\x41\\u00e9\\101\\q' \\",
      "    'cont'",
      "d = b'\\x00ab' rb'\\n'",
      'e = [1, -1, 5e-4, .5, 1_000, 0x1F, 0o17, 0b11, 1., -2.5E+3,]',
      'f = (True, False, None, )',
      'g = {0: dict(name="nose", swap=\'\'), \'k\': {}, }',
      'h = ()',
      'i = (1)',
      "j = u'x' + 1",
      "k = dict(a=1)['a']",
    ].join('\n'),
  );
  t.is(v('a'), 'xyt\nqu');
  t.true(r.vars.get('b')!.value instanceof Unreadable, "'+' is not evaluated");
  t.is(v('c'), 'esc\t\nAéA\\qcont');
  t.deepEqual(v('d'), { bytes: Buffer.from('\x00ab\\n').toString('base64') });
  t.deepEqual(v('e'), [1, -1, 5e-4, 0.5, 1000, 31, 15, 3, 1, -2500]);
  t.deepEqual(v('f'), [true, false, null]);
  t.deepEqual(v('g'), { 0: { name: 'nose', swap: '' }, k: {} });
  t.true((r.vars.get('g')!.value as PyDict).has(0), 'int keys stay ints');
  t.deepEqual(v('h'), []);
  t.is(v('i'), 1);
  t.is(v('k'), 1);
});

test('references, subscripts, f-strings and pure built-ins are computed here', (t) => {
  const { v } = read(
    [
      'channel_cfg = dict(num_output_channels=17, dataset_channel=[list(range(17))], inference_channel=list(range(0, 6, 2)))',
      "n = channel_cfg['num_output_channels']",
      "first = channel_cfg['dataset_channel'][0][-1]",
      "data_root = 'data/coco'",
      "ann = f'{data_root}/x.json'",
      'codec = dict(type="MSRAHeatmap", input_size=(192, 256))',
      "size = codec['input_size']",
      'tup = tuple([1, 2])',
      'd2 = dict(codec, sigma=2)',
    ].join('\n'),
  );
  t.is(v('n'), 17);
  t.is(v('first'), 16);
  t.deepEqual(v('channel_cfg').inference_channel, [0, 2, 4]);
  t.is(v('ann'), 'data/coco/x.json');
  t.deepEqual(v('size'), [192, 256]);
  t.deepEqual(v('tup'), [1, 2]);
  t.deepEqual(v('d2'), { type: 'MSRAHeatmap', input_size: [192, 256], sigma: 2 });
});

test('anything else makes only the smallest enclosing value unreadable, with its line and column', (t) => {
  const { r, v } = read(
    [
      'model = dict(',
      '    a=foo(1),',
      '    b=1 + 2,',
      '    c=x.y,',
      '    d=[1, lambda q: q, 3],',
      '    e=[i for i in range(3)],',
      '    f=3)',
      'ref = model',
      "bad = model['a']",
      'list = 3',
      'shadowed = list(range(2))',
    ].join('\n'),
  );
  const m = v('model');
  t.is(m.f, 3, 'the rest of the dict is read');
  t.regex(m.a.unreadable, /call to 'foo' not evaluated \(line 2, column 7\)/);
  t.regex(m.b.unreadable, /expression \('\+'\) not evaluated \(line 3, column 7\)/);
  t.regex(m.c.unreadable, /line 4, column 7/);
  t.is(m.d[0], 1);
  t.is(m.d[2], 3);
  t.regex(m.d[1].unreadable, /'lambda'/);
  t.regex(m.e.unreadable, /comprehension not evaluated \(line 6, column 7\)/);
  t.is(v('ref').f, 3);
  t.regex(v('bad').unreadable, /line 9/, 'a subscript of an unreadable field is unreadable');
  t.regex(v('shadowed').unreadable, /call to 'list' not evaluated/, 'a rebound built-in is not trusted');
  t.true(r.issues.every((i) => i.line > 0 && i.col > 0));
});

test('hostile: code is never run, statements are skipped, names rebound by unread statements are dropped', (t) => {
  const { r, v } = read(
    [
      "import os",
      "os.system('touch /tmp/pose-port-pwned')",
      "x = __import__('os').system('touch /tmp/pose-port-pwned')",
      "exec('1')",
      "y = dict(a=1)",
      "y.a = 2",
      "if True:",
      "    z = 3",
      "w = {{_base_.dataset_info}}",
    ].join('\n'),
  );
  t.regex(v('x').unreadable, /not evaluated \(line 3, column 5\)/);
  t.true(r.issues.some((i) => /call to '__import__' not evaluated/.test(i.message) && i.line === 3));
  t.regex(v('y').unreadable, /changed by a statement that is not read/);
  t.false(r.vars.has('z'), 'an indented statement belongs to a block and is not read');
  t.regex(v('w').unreadable, /base-config substitution/);
  t.true(r.issues.some((i) => /'import' statement not read/.test(i.message) && i.line === 1));
});

test('hostile: 10,000-deep nesting is bounded, and the rest of the text is still read', (t) => {
  const deep = '['.repeat(10000) + ']'.repeat(10000);
  const start = process.hrtime.bigint();
  const { r, v } = read(`a = ${deep}\nb = 1\nc = dict(x=${'('.repeat(5000)}1${')'.repeat(5000)}, y=2)`);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  let x: any = v('a');
  let depth = 0;
  while (Array.isArray(x)) {
    x = x[0];
    depth++;
  }
  t.true(depth <= CONFIG_LIMITS.maxDepth + 1);
  t.regex(x.unreadable, new RegExp(`nested deeper than ${CONFIG_LIMITS.maxDepth}`));
  t.is(v('b'), 1);
  t.is(v('c').y, 2);
  t.regex(v('c').x.unreadable, /nested deeper/);
  t.true(r.issues.length >= 2);
  t.log(`parsed in ${ms.toFixed(0)} ms`);
});

test('hostile: a 20 MB text is refused by size before any parsing; a large string under the limit reads', (t) => {
  const big = `a = '${'x'.repeat(20 * 1024 * 1024)}'\n`;
  const r = parseConfigText(big);
  t.regex(r.refused!, /over the \d+ limit/);
  t.is(r.vars.size, 0);
  const c = readCheckpointConfig({ config: big })!;
  t.regex(c.refused!, /over the/);
  t.is(c.settings, null);
  const ok = parseConfigText(`a = '${'y'.repeat(1 << 20)}'\nb = 2\n`);
  t.is((ok.vars.get('a')!.value as string).length, 1 << 20);
});

test('hostile: unterminated strings end the value they start, with a clear issue', (t) => {
  const { r, v } = read("a = 'abc\nb = 2\nc = dict(k='''open\nd = 3\n");
  t.regex(v('a').unreadable, /unterminated string starting at line 1, column 5/);
  t.is(v('b'), 2);
  t.truthy(v('c').unreadable);
  t.true(r.issues.some((i) => /unterminated triple-quoted string starting at line 3, column 12/.test(i.message)));
  t.false(r.vars.has('d'), 'the open triple quote swallowed the rest, as in Python');
});

test('hostile: shared references cannot explode the expanded size', (t) => {
  const lines = ['x0 = [1, 2]'];
  for (let i = 1; i <= 40; i++) lines.push(`x${i} = [x${i - 1}, x${i - 1}]`);
  const { v } = read(lines.join('\n'));
  // 2^(i+2)-1 elements expanded: x18 passes the limit, and what refers to it is unreadable too
  t.true(Array.isArray(v('x17')));
  t.regex(v('x18').unreadable, /more than 1000000 elements/);
  t.regex(v('x19')[0].unreadable, /'x18' refers to an unreadable value/);
  const rr = read('r = list(range(10000000))');
  t.regex(rr.v('r').unreadable, /list\(\) of an unreadable value/);
  t.true(rr.r.issues.some((i) => /range\(\) of 10000000 elements is over the 100000 limit/.test(i.message)));
});

test('hostile: non-UTF-8 bytes are read with U+FFFD and said so; other non-text is refused', (t) => {
  const bytes = Buffer.concat([Buffer.from("model = dict(test_cfg=dict(flip_test=False), name='"), Buffer.from([0xff, 0xfe]), Buffer.from("')\n")]);
  const c = readCheckpointConfig({ config: new Uint8Array(bytes) })!;
  t.is(c.refused, null);
  t.is(c.settings!.flipTest!.value, false);
  t.true(c.settings!.notes.some((n) => /not valid UTF-8 \(first bad byte at offset 51\)/.test(n)));
  t.regex(readCheckpointConfig({ config: 42 })!.refused!, /not text/);
  t.is(readCheckpointConfig({ epoch: 1 }), null);
});
