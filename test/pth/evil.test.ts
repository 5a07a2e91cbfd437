/**
 * Hostile checkpoints (fixtures/pth/evil-*.pth: torch.save of a meta whose pickle
 * calls os.system / eval / exec / subprocess.Popen to create a marker file). The
 * reader refuses the global, naming it and the offset of its opcode; with
 * allowUnknownGlobals it keeps an inert record and a warning. Either way the marker
 * file never appears. (torch.test.ts shows torch.load of the same files does run them.)
 */
import test from 'ava';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openCheckpoint } from '../../src/pth/index.js';
import { FIXTURES, readFixtureManifest } from './fixtures.js';
import { expectPoseRejection } from '../helpers/errors.js';

const hostile = readFixtureManifest().filter((c) => c.unsafe);

test('there are hostile fixtures for os/posix.system, eval, exec and subprocess in both containers', (t) => {
  const names = new Set(hostile.map((c) => c.error!.key!.replace('__builtin__', 'builtins').replace('commands', 'subprocess')));
  t.deepEqual([...names].sort(), ['builtins.eval', 'builtins.exec', 'posix.system', 'subprocess.Popen']);
  t.true(hostile.some((c) => c.format === 'zip') && hostile.some((c) => c.format === 'legacy'));
});

for (const c of hostile) {
  test(`${c.file}: '${c.error!.key}' refused at its opcode; nothing ran`, async (t) => {
    const file = join(FIXTURES, c.file);
    rmSync(c.marker!, { force: true });
    const e = await expectPoseRejection(t, openCheckpoint(file));
    t.is(e.code, 'PICKLE_GLOBAL');
    t.is(e.key, c.error!.key);
    t.regex(e.message, new RegExp(`refusing global '${c.error!.key!.replace('.', '\\.')}'`));
    const op = readFileSync(file)[e.offset!];
    t.true(op === 0x63 || op === 0x93, `byte ${e.offset} is GLOBAL or STACK_GLOBAL (0x${op.toString(16)})`);
    t.false(existsSync(c.marker!));
  });

  test(`${c.file}: allowUnknownGlobals keeps an inert placeholder and warns; nothing ran`, async (t) => {
    const file = join(FIXTURES, c.file);
    rmSync(c.marker!, { force: true });
    const ckpt = await openCheckpoint(file, { allowUnknownGlobals: true });
    t.is(ckpt.warnings.length, 1);
    t.regex(ckpt.warnings[0], new RegExp(`unknown global '${c.error!.key!.replace('.', '\\.')}' at byte \\d+ kept as an inert placeholder`));
    const note = (ckpt.meta as Record<string, any>).note;
    t.is(note.__global__, c.error!.key);
    t.true(Array.isArray(note.args) && note.args.length === 1);
    t.regex(JSON.stringify(note.args), /pose_port_pwned_/, 'the command is data, not run');
    t.deepEqual([...(ckpt.tensors.get('w')!.data() as Float32Array)], [1, 1]);
    ckpt.close();
    t.false(existsSync(c.marker!));
  });
}
