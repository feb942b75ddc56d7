/**
 * A small seeded PRNG (sfc32) whose whole state is four 32-bit words, so it can be saved in a
 * checkpoint and restored exactly. `Rng.derive(seed, ...keys)` gives an independent stream per
 * (seed, epoch, batch, ...) so that a batch's randomness never depends on what ran before it.
 */
export class Rng {
  private constructor(private s: Uint32Array) {}

  static fromSeed(seed: number): Rng {
    return Rng.derive(seed);
  }

  /** A stream determined only by `seed` and `keys` (integers or short strings). */
  static derive(seed: number, ...keys: Array<number | string>): Rng {
    let h = mix32(seed >>> 0 ^ 0x9e3779b9);
    for (const k of keys) {
      if (typeof k === 'number') h = mix32(h ^ mix32(k >>> 0) ^ mix32(Math.floor(k / 2 ** 32)));
      else for (let i = 0; i < k.length; i++) h = mix32(h ^ k.charCodeAt(i));
    }
    const s = new Uint32Array(4);
    for (let i = 0; i < 4; i++) s[i] = h = mix32(h + 0x6d2b79f5);
    const rng = new Rng(s);
    for (let i = 0; i < 12; i++) rng.nextUint32();
    return rng;
  }

  static fromState(state: readonly number[]): Rng {
    if (state.length !== 4) throw new Error(`Rng state must have 4 words, got ${state.length}`);
    return new Rng(Uint32Array.from(state));
  }

  state(): number[] {
    return Array.from(this.s);
  }

  nextUint32(): number {
    const s = this.s;
    const t = (((s[0] + s[1]) >>> 0) + s[3]) >>> 0;
    s[3] = (s[3] + 1) >>> 0;
    s[0] = s[1] ^ (s[1] >>> 9);
    s[1] = (s[2] + (s[2] << 3)) >>> 0;
    s[2] = ((s[2] << 21) | (s[2] >>> 11)) >>> 0;
    s[2] = (s[2] + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }
}

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}
