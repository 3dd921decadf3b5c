/**
 * Keeps the assistant's instructions out of its replies, even from a model that was talked into
 * repeating them (prompt injection). The reply is checked while it streams:
 *
 * - text whose end could be the start of a run copied from the instructions is held back
 *   (a few words at most) until it is clearly not;
 * - a run of about `window + stride` characters copied verbatim ends the reply: the caller
 *   replaces it with a refusal, and the held-back text is never sent.
 *
 * Comparison ignores case and treats every whitespace character as a space.
 */
export interface OutputGuardOptions {
  /** Characters of a copied run that count as a leak (checked every `stride`). Default 48. */
  window?: number;
  stride?: number;
  /** A suffix shorter than this is never held back. Default 12. */
  holdMin?: number;
}

const normalize = (text: string) => text.toLowerCase().replace(/\s/g, ' ');

export class OutputGuard {
  private readonly secret: string;
  private readonly window: number;
  private readonly stride: number;
  private readonly holdMin: number;
  private readonly holdMax: number;
  private raw = '';
  private out = '';
  private emitted = 0;
  private checkedUpTo = 0;
  private leakedFlag = false;

  constructor(secret: string, options: OutputGuardOptions = {}) {
    this.secret = normalize(secret);
    this.window = options.window ?? 48;
    this.stride = options.stride ?? 16;
    this.holdMin = options.holdMin ?? 12;
    this.holdMax = this.window + this.stride;
  }

  get leaked(): boolean {
    return this.leakedFlag;
  }

  /** Adds streamed text; returns what may be shown now ("" while held back or after a leak). */
  push(delta: string): string {
    if (this.leakedFlag || delta === '') return '';
    this.raw += delta;
    this.out += normalize(delta);
    if (this.secret.length >= this.window) {
      // Every window starting at a multiple of `stride` that is complete now and was not checked.
      const first = Math.ceil(this.checkedUpTo / this.stride) * this.stride;
      for (let p = first; p + this.window <= this.out.length; p += this.stride) {
        if (this.secret.includes(this.out.slice(p, p + this.window))) {
          this.leakedFlag = true;
          return '';
        }
        this.checkedUpTo = p + 1;
      }
    }
    const held = this.heldSuffix();
    const boundary = Math.max(this.emitted, this.out.length - held);
    const show = this.raw.slice(this.emitted, boundary);
    this.emitted = boundary;
    return show;
  }

  /** The end of the reply: whatever is still held back, unless the reply leaked. */
  flush(): string {
    if (this.leakedFlag) return '';
    const rest = this.raw.slice(this.emitted);
    this.emitted = this.raw.length;
    return rest;
  }

  /** Length of the longest end of the text (holdMin..holdMax) that occurs in the instructions. */
  private heldSuffix(): number {
    const max = Math.min(this.holdMax, this.out.length);
    if (max < this.holdMin || !this.secret.includes(this.out.slice(-this.holdMin))) return 0;
    // If an end of length k occurs, every shorter end does too: binary search the longest.
    let lo = this.holdMin;
    let hi = max;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (this.secret.includes(this.out.slice(-mid))) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
