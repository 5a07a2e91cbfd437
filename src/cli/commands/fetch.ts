import { PosePortError } from '../../core/errors.js';
import { defaultCheckpointDir, fetchCheckpoint } from '../../zoo/fetch.js';
import { defineCommand } from '../command.js';
import { Progress } from '../io.js';

const seconds = (s: number | undefined): number | undefined => (s === undefined ? undefined : s * 1000);

export const fetchCommand = defineCommand({
  name: 'fetch',
  summary: "download a zoo checkpoint and check its sha256 against the registry",
  usage: 'fetch NAME [--dir D] [--mirror URL] [--retries N] [--retry-delay MS] [--deadline S] [--min-rate B] [--max-bytes N] [--json]',
  description:
    'Streams the checkpoint to D/<file>.part, resumes an interrupted download with an HTTP Range request,\n' +
    'retries server errors with exponential backoff, and renames the file into place only when its sha256\n' +
    'starts with the 8 hex digits in the published file name. A verified file already in D is not fetched again.\n' +
    'The whole fetch ends after --deadline; an attempt slower than --min-rate over 30 s is retried (resuming);\n' +
    'a body larger than --max-bytes is refused and removed. A full disk or an unwritable D is not retried.\n' +
    `D defaults to $POSE_PORT_CACHE/checkpoints, else ~/.cache/pose-port/checkpoints (here: ${defaultCheckpointDir()}).`,
  flags: {
    dir: { type: 'string', arg: 'D', help: 'directory for the checkpoint (default: the cache)' },
    mirror: { type: 'string', arg: 'URL', help: 'http(s)://host[:port][/prefix] replacing the scheme and host of the registry URL' },
    retries: { type: 'number', int: true, min: 0, arg: 'N', help: 'further attempts after a server error or a broken connection (default 4)' },
    'retry-delay': { type: 'number', min: 0, arg: 'MS', help: 'delay before the first retry, doubled each time up to 16 s (default 1000)' },
    deadline: { type: 'number', min: 0.001, arg: 'S', help: 'give up after this many seconds, all attempts and waits included (default 7200)' },
    'min-rate': { type: 'number', int: true, min: 0, arg: 'B', help: 'retry an attempt that receives fewer bytes per second over 30 s (default 16384; 0: no minimum)' },
    'max-bytes': { type: 'number', int: true, min: 1, arg: 'N', help: "largest download accepted (default: the registry's size of the file, else 4 x its float32 parameter bytes + 64 MiB)" },
    json: { type: 'boolean', help: 'print the result as JSON' },
  },
  async run(args, io) {
    if (args.positionals.length !== 1) throw new PosePortError('USAGE', `fetch: expected one NAME, got ${args.positionals.length} (see 'pose-port zoo list')`);
    const json = args.flags.json;
    const progress = new Progress(io, !json);
    const r = await fetchCheckpoint(args.positionals[0], {
      dir: args.flags.dir,
      mirror: args.flags.mirror,
      retries: args.flags.retries,
      retryDelayMs: args.flags['retry-delay'],
      deadlineMs: seconds(args.flags.deadline),
      minBytesPerSecond: args.flags['min-rate'],
      maxBytes: args.flags['max-bytes'],
      onProgress: (p) => {
        if (p.total !== undefined) progress.update(p.file, p.received, p.total);
      },
    });
    if (json) io.stdout(JSON.stringify({ ok: true, ...r }, null, 2) + '\n');
    else
      io.stdout(
        `${r.name}: ${r.path}\n  ${r.downloaded ? `downloaded from ${r.url}${r.resumed ? ' (resumed)' : ''}` : 'already present'}, ` +
          `${r.bytes.toLocaleString('en-US')} bytes, sha256 ${r.sha256}\n`,
      );
    return 0;
  },
});
