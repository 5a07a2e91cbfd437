import { PosePortError } from '../../core/errors.js';
import { defaultCheckpointDir, fetchCheckpoint } from '../../zoo/fetch.js';
import { numberFlag } from '../args.js';
import type { Command } from '../command.js';
import { Progress } from '../io.js';

export const fetchCommand: Command = {
  name: 'fetch',
  summary: "download a zoo checkpoint and check its sha256 against the registry",
  usage: 'fetch NAME [--dir D] [--mirror URL] [--retries N] [--retry-delay MS] [--json]',
  description:
    'Streams the checkpoint to D/<file>.part, resumes an interrupted download with an HTTP Range request,\n' +
    'retries server errors with exponential backoff, and renames the file into place only when its sha256\n' +
    'starts with the 8 hex digits in the published file name. A verified file already in D is not fetched again.\n' +
    `D defaults to $POSE_PORT_CACHE/checkpoints, else ~/.cache/pose-port/checkpoints (here: ${defaultCheckpointDir()}).`,
  flags: {
    dir: { type: 'string', arg: 'D', help: 'directory for the checkpoint (default: the cache)' },
    mirror: { type: 'string', arg: 'URL', help: 'http(s)://host[:port][/prefix] replacing the scheme and host of the registry URL' },
    retries: { type: 'string', arg: 'N', help: 'further attempts after a server error or a broken connection (default 4)' },
    'retry-delay': { type: 'string', arg: 'MS', help: 'delay before the first retry, doubled each time up to 16 s (default 1000)' },
    json: { type: 'boolean', help: 'print the result as JSON' },
  },
  async run(args, io) {
    if (args.positionals.length !== 1) throw new PosePortError('USAGE', `fetch: expected one NAME, got ${args.positionals.length} (see 'pose-port zoo list')`);
    const json = args.flags.json === true;
    const progress = new Progress(io, !json);
    const r = await fetchCheckpoint(args.positionals[0], {
      dir: args.flags.dir as string | undefined,
      mirror: args.flags.mirror as string | undefined,
      retries: numberFlag('fetch', 'retries', args.flags.retries, { int: true, min: 0 }),
      retryDelayMs: numberFlag('fetch', 'retry-delay', args.flags['retry-delay'], { min: 0 }),
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
};
