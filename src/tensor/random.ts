/**
 * Seeded randomness: xoshiro128** on 32-bit integer arithmetic, so a seed gives the same numbers on every
 * platform and JavaScript engine. Every random function takes an optional Generator and otherwise uses the
 * default one, which `manualSeed` resets.
 */
import { checkInt } from '../errors.js';
import { noteSeed } from '../provenance.js';

export class Generator {
  private s = new Uint32Array(4);
  private spare: number | null = null;
  private seed = 0;

  constructor(seed = 0) {
    this.manualSeed(seed);
  }

  /** Resets the stream; equal seeds give equal streams. */
  manualSeed(seed: number): this {
    checkInt('manualSeed', 'seed', seed, 0);
    this.seed = seed;
    // splitmix32 spreads the seed over the 128-bit state, so nearby seeds give unrelated streams.
    let z = (seed >>> 0) ^ Math.floor(seed / 2 ** 32);
    for (let i = 0; i < 4; i++) {
      z = (z + 0x9e3779b9) | 0;
      let t = z ^ (z >>> 16);
      t = Math.imul(t, 0x21f0aaad);
      t ^= t >>> 15;
      t = Math.imul(t, 0x735a2d97);
      t ^= t >>> 15;
      this.s[i] = t;
    }
    if (this.s.every((v) => v === 0)) this.s[0] = 1;
    this.spare = null;
    return this;
  }

  /** The seed this stream started from (torch's initial_seed). */
  initialSeed(): number {
    return this.seed;
  }

  toString(): string {
    return `Generator(seed=${this.seed})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  [Symbol.for('Jupyter.display')](): Record<string, string> {
    return { 'text/plain': this.toString() };
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = s[1]! << 9;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /** Uniform in [0, 1) with 24 bits, exactly representable in float32. */
  uniform(): number {
    return (this.nextUint32() >>> 8) / 16777216;
  }

  /** Standard normal by the Box–Muller transform (pairs; the second value is kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    const u1 = 1 - this.uniform();
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  /** Uniform integer in [low, high). */
  integer(low: number, high: number): number {
    return low + Math.floor(this.uniform() * (high - low));
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export const defaultGenerator = new Generator(0);

/** Seeds the default generator (torch.manual_seed). */
export function manualSeed(seed: number): Generator {
  defaultGenerator.manualSeed(seed);
  noteSeed(seed);
  return defaultGenerator;
}
