/**
 * The clocks of one download attempt: the fetch's overall deadline and its minimum
 * transfer rate. Either one aborts the attempt's signal (which cancels the request and
 * its body) with a `Stopped` reason; `race` makes any awaited step (connecting, the
 * next body chunk) give up at that moment even if the HTTP client ignores the signal.
 */

/** Why an attempt was stopped by its clocks. */
export class Stopped extends Error {
  constructor(
    readonly why: 'deadline' | 'slow',
    message: string,
  ) {
    super(message);
  }
}

export interface RateLimits {
  /** Date.now() at which the whole fetch must have ended */
  deadlineAt: number;
  /** fewer bytes than this per second over one window fail the attempt; 0 disables the check */
  minBytesPerSecond: number;
  /** length of the windows the rate is measured over */
  rateWindowMs: number;
}

export class AttemptWatch {
  private readonly ac = new AbortController();
  private readonly aborted: Promise<never>;
  private readonly deadlineTimer: NodeJS.Timeout;
  private readonly rateTimer?: NodeJS.Timeout;
  private received = 0;
  private atWindowStart = 0;

  constructor(limits: RateLimits) {
    this.aborted = new Promise<never>((_, reject) => this.ac.signal.addEventListener('abort', () => reject(this.ac.signal.reason), { once: true }));
    this.aborted.catch(() => {}); // observed through race(); never an unhandled rejection
    this.deadlineTimer = setTimeout(() => this.stop(new Stopped('deadline', 'the deadline passed')), Math.max(0, limits.deadlineAt - Date.now()));
    if (limits.minBytesPerSecond > 0) {
      const need = Math.ceil((limits.minBytesPerSecond * limits.rateWindowMs) / 1000);
      this.rateTimer = setInterval(() => {
        const got = this.received - this.atWindowStart;
        this.atWindowStart = this.received;
        if (got < need)
          this.stop(new Stopped('slow', `${got} bytes in the last ${limits.rateWindowMs} ms, below the minimum rate of ${limits.minBytesPerSecond} bytes/s`));
      }, limits.rateWindowMs);
    }
  }

  get signal(): AbortSignal {
    return this.ac.signal;
  }

  /** bytes of the body received (for the rate) */
  count(n: number): void {
    this.received += n;
  }

  /** `p`, or the reason this attempt was stopped, whichever comes first. */
  race<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.aborted]);
  }

  private stop(reason: Stopped): void {
    if (!this.ac.signal.aborted) this.ac.abort(reason);
  }

  /** clears the clocks (always, when the attempt ends) */
  dispose(): void {
    clearTimeout(this.deadlineTimer);
    if (this.rateTimer) clearInterval(this.rateTimer);
  }
}
