/** Where a command writes; tests pass their own. */
export interface CliIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** true when stderr is a terminal (progress lines are shown only then) */
  isTTY: boolean;
}

export const processIO: CliIO = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  isTTY: Boolean(process.stderr.isTTY),
};

/**
 * A progress line for long steps: rewritten in place on a terminal, silent when
 * piped or with --json.
 */
export class Progress {
  private last = 0;
  constructor(
    private readonly io: CliIO,
    private readonly enabled: boolean,
  ) {}
  update(label: string, done: number, total: number): void {
    if (!this.enabled || !this.io.isTTY) return;
    const now = Date.now();
    if (done < total && now - this.last < 100) return;
    this.last = now;
    const frac = total > 0 ? done / total : 1;
    const width = 24;
    const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
    this.io.stderr(`\r${label} [${bar}] ${done}/${total}`);
    if (done >= total) this.io.stderr('\n');
  }
  step(label: string): void {
    if (this.enabled && this.io.isTTY) this.io.stderr(`${label}...\n`);
  }
}
