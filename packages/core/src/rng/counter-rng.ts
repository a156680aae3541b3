/**
 * Counter-based randomness: every random stream is a pure function of a key
 * (job seed, round, task index, purpose), never of call order across tasks or of timing.
 * The key is hashed into 128 bits of state for an sfc32 generator.
 */

/** What a stream is for; keeps training, evaluation and initialisation streams disjoint. */
export enum Purpose {
  Init = 1,
  TrainTask = 2,
  EvalTask = 3,
  DataSplit = 4,
}

function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hashKey(key: readonly number[], lane: number): number {
  let h = mix32(0x9e3779b9 ^ Math.imul(lane + 1, 0x7feb352d));
  for (const part of key) {
    // Split so that integers up to 2^53 hash without losing their high bits.
    const lo = part >>> 0;
    const hi = Math.floor(part / 0x1_0000_0000) >>> 0;
    h = mix32(h ^ lo) + 0x632be5ab;
    h = mix32(h ^ hi) + 0x632be5ab;
  }
  return mix32(h);
}

/** A deterministic random stream. Not cryptographic. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | undefined;

  /** @param key integers (non-negative, < 2^53) identifying the stream */
  constructor(key: readonly number[]) {
    this.a = hashKey(key, 0);
    this.b = hashKey(key, 1);
    this.c = hashKey(key, 2);
    this.d = hashKey(key, 3);
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A stream for one purpose of one job: (seed, purpose, ...rest). */
  static for(seed: number, purpose: Purpose, ...rest: number[]): Rng {
    return new Rng([seed, purpose, ...rest]);
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const v = this.spareNormal;
      this.spareNormal = undefined;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }

  /** k distinct indices from [0, n), in random order. */
  sample(n: number, k: number): number[] {
    if (k > n) throw new RangeError(`cannot sample ${k} of ${n}`);
    return this.shuffle(Array.from({ length: n }, (_, i) => i)).slice(0, k);
  }
}
