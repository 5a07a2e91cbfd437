/** Named laps of wall time, in ms rounded to 0.1, for the reports' `timings_ms`. */
export class Stopwatch {
  readonly laps: Record<string, number> = {};
  private readonly start = performance.now();
  private mark = this.start;

  /** Records the time since the previous lap (or the start) under `name`. */
  lap(name: string): void {
    const now = performance.now();
    this.laps[name] = Math.round((now - this.mark) * 10) / 10;
    this.mark = now;
  }

  /** Records the time since the start under `total` and returns the laps. */
  total(): Record<string, number> {
    this.laps.total = Math.round((performance.now() - this.start) * 10) / 10;
    return this.laps;
  }
}
