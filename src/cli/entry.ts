import { exitOnSignals } from '../core/interrupt.js';
import { main } from './main.js';

// SIGINT/SIGTERM/SIGHUP: unfinished outputs (staging directories) are removed, exit 130/143/129
exitOnSignals((s) => process.stderr.write(s));

// a reader that stops early (`pose-port inspect x.pth | head`) is not an error
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`pose-port: fatal: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 3;
  },
);
