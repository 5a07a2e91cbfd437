/**
 * Work to undo when the process is interrupted. Code that creates something it must not
 * leave behind half-done (a staging directory, a temporary file beside an output)
 * registers a synchronous cleanup for as long as the work runs. The CLI installs the
 * signal handlers (`exitOnSignals`): on SIGINT, SIGTERM or SIGHUP they run every
 * registered cleanup and exit with the conventional 128 + signal number (130, 143,
 * 129). A library user who installs no handlers gets Node's default (the process
 * dies); the next conversion beside the same output sweeps what was left
 * (pipeline/staged-output.ts).
 */
const cleanups = new Set<() => void>();

/** Registers `cleanup` until the returned function is called. */
export function onInterrupt(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
  };
}

/** Runs (and forgets) every registered cleanup; a failing one does not stop the others. Returns how many ran. */
export function runInterruptCleanups(): number {
  const all = [...cleanups];
  cleanups.clear();
  for (const c of all) {
    try {
      c();
    } catch {
      // best effort: the process is going away; a later run sweeps what is left
    }
  }
  return all.length;
}

export const SIGNAL_EXIT_CODES = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;

/** Installs the handlers (once): clean up, say so on stderr, exit 128 + signal number. */
export function exitOnSignals(stderr: (s: string) => void): void {
  for (const [signal, code] of Object.entries(SIGNAL_EXIT_CODES) as [keyof typeof SIGNAL_EXIT_CODES, number][]) {
    if (process.listeners(signal).some((l) => (l as { poseport?: boolean }).poseport)) continue;
    const handler = Object.assign(
      () => {
        const n = runInterruptCleanups();
        stderr(`pose-port: interrupted by ${signal}${n ? `; removed ${n} unfinished output${n > 1 ? 's' : ''}` : ''}\n`);
        process.exit(code);
      },
      { poseport: true },
    );
    process.on(signal, handler);
  }
}
