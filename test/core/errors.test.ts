import test from 'ava';
import { PosePortError } from '../../src/core/errors.js';
import { halfToFloat, bfloat16ToFloat, toFloat32 } from '../../src/core/dtype.js';

test('PosePortError names the file and the byte offset', (t) => {
  const e = new PosePortError('PICKLE_GLOBAL', "refusing global 'posix.system'", { file: 'a.pth', offset: 412 });
  t.is(e.code, 'PICKLE_GLOBAL');
  t.is(e.message, "refusing global 'posix.system' (a.pth, byte 412)");
  t.deepEqual(e.toJSON(), { code: 'PICKLE_GLOBAL', message: e.message, file: 'a.pth', offset: 412 });
  t.is(e.withFile('b.pth'), e);
});

test('a file learnt late is added once, the offset not repeated', (t) => {
  const e = new PosePortError('PICKLE_FORMAT', 'truncated frame', { offset: 9 });
  t.is(e.message, 'truncated frame (byte 9)');
  const f = e.withFile('c.pth');
  t.is(f.message, 'truncated frame (c.pth, byte 9)');
  t.is(f.offset, 9);
  t.is(f.reason, 'truncated frame');
});

test('half and bfloat16 bits widen exactly', (t) => {
  t.is(halfToFloat(0x3c00), 1);
  t.is(halfToFloat(0xc000), -2);
  t.is(halfToFloat(0x0001), 2 ** -24);
  t.is(halfToFloat(0x7c00), Infinity);
  t.true(Number.isNaN(halfToFloat(0x7e00)));
  t.is(bfloat16ToFloat(0x3f80), 1);
  t.is(bfloat16ToFloat(0xc040), -3);
  t.deepEqual([...toFloat32('int64', new BigInt64Array([3n, -4n]))], [3, -4]);
});
