/** Token bucket on wall-clock time (Kalshi's limits are per real second, whatever the sim clock says). */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private rate: number,
    private readonly now: () => number,
  ) {
    this.tokens = rate;
    this.last = now();
  }

  setRate(rate: number): void {
    this.rate = rate;
    this.tokens = Math.min(this.tokens, rate);
  }

  /** Take one token; returns 0 on success or the ms until a token is available. */
  take(): number {
    const t = this.now();
    this.tokens = Math.min(this.rate, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.rate) * 1000);
  }
}
