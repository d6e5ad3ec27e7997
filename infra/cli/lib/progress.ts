import type { Output } from './io.ts';

/**
 * A progress line on stderr. On a terminal it is rewritten in place (`\r`, at most every 100 ms);
 * in a pipe or log file it is a plain line every `every` items, so logs stay readable.
 */
export class Progress {
  private lastDraw = 0;
  private lastCount = 0;
  private drawn = false;

  constructor(
    private readonly output: Output,
    private readonly every = 100,
    private readonly now: () => number = Date.now,
  ) {}

  update(count: number, text: string): void {
    if (this.output.stderrIsTTY) {
      if (this.now() - this.lastDraw < 100) return;
      this.lastDraw = this.now();
      this.output.progressLine(text);
      this.drawn = true;
    } else if (count - this.lastCount >= this.every) {
      this.lastCount = count;
      this.output.err(text);
    }
  }

  /** The final state, always shown; ends the in-place line. */
  done(text: string): void {
    if (this.output.stderrIsTTY) this.output.progressLine(text, '\n');
    else this.output.err(text);
    this.drawn = false;
  }

  get active(): boolean {
    return this.drawn;
  }
}
