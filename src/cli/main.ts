import { isPosePortError, PosePortError } from '../core/errors.js';
import { flagHelp, parseArgs } from './args.js';
import { COMMANDS } from './commands/index.js';
import { processIO, type CliIO } from './io.js';
import { VERSION } from '../version.js';

/** Exit codes: 0 ok, 1 a check failed (verify/eval thresholds), 2 bad input or usage, 3 internal error. */
export const EXIT = { OK: 0, CHECK_FAILED: 1, BAD_INPUT: 2, INTERNAL: 3 } as const;

function mainHelp(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `pose-port ${VERSION}: port MMPose top-down checkpoints to ONNX and TensorFlow.js`,
    '',
    'usage: pose-port <command> [options]',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    '',
    "run 'pose-port <command> --help' for a command's options",
    '',
  ].join('\n');
}

function commandHelp(name: string): string {
  const c = COMMANDS.find((x) => x.name === name)!;
  return [`usage: pose-port ${c.usage}`, '', c.summary, ...(c.description ? ['', c.description] : []), '', 'options:', flagHelp(c.flags), '  --help  show this help', ''].join('\n');
}

/**
 * Errors of the file system or the machine (a full disk, a missing or unreadable file,
 * a read-only mount, memory exhausted) that reached here without a typed error: they are
 * faults of the input or the environment, not of pose-port, so they exit 2 like every
 * other IO error.
 */
const SYSTEM_ERRNOS: ReadonlySet<string> = new Set([
  'ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'ENOTEMPTY', 'EEXIST', 'ELOOP', 'ENAMETOOLONG', 'EXDEV', 'EBUSY', 'ENXIO',
  'ENOSPC', 'EDQUOT', 'EFBIG', 'EROFS', 'EIO', 'EMFILE', 'ENFILE', 'ENOMEM',
]);

export function environmentError(e: unknown): PosePortError | undefined {
  const err = e as NodeJS.ErrnoException | undefined;
  // V8 could not allocate a typed array: the machine's memory (or a ulimit), not a bug
  if (e instanceof RangeError && /Array buffer allocation failed/.test(e.message))
    return new PosePortError('RESOURCE_LIMIT', `out of memory: ${e.message} (a smaller --batch or a smaller input needs less)`);
  if (isPosePortError(e) || typeof err?.code !== 'string' || typeof err.syscall !== 'string' || !SYSTEM_ERRNOS.has(err.code)) return undefined;
  return new PosePortError('IO', err.message, { file: err.path, details: { errno: err.code, syscall: err.syscall } });
}

/** Runs the CLI; never calls process.exit (bin/pose-port.js does). */
export async function main(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(mainHelp());
    return name === undefined ? EXIT.BAD_INPUT : EXIT.OK;
  }
  if (name === '--version' || name === '-v') {
    io.stdout(`${VERSION}\n`);
    return EXIT.OK;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    io.stderr(`pose-port: unknown command '${name}'\n\n${mainHelp()}`);
    return EXIT.BAD_INPUT;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(commandHelp(name));
    return EXIT.OK;
  }
  const json = rest.includes('--json');
  try {
    const args = parseArgs(rest, cmd.flags, name);
    return await cmd.run(args, io);
  } catch (caught) {
    const e = environmentError(caught) ?? caught;
    if (isPosePortError(e)) {
      if (json) io.stdout(JSON.stringify({ ok: false, error: e.toJSON() }, null, 2) + '\n');
      io.stderr(`pose-port ${name}: error [${e.code}]: ${e.message}\n`);
      return EXIT.BAD_INPUT;
    }
    const err = e as Error;
    if (json) io.stdout(JSON.stringify({ ok: false, error: { code: 'INTERNAL', message: String(err?.message ?? e) } }, null, 2) + '\n');
    io.stderr(`pose-port ${name}: internal error: ${err?.stack ?? String(e)}\n`);
    return EXIT.INTERNAL;
  }
}
