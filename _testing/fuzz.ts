// Seeded byte mutators for the reliability suites: the same seed gives the same cases on every
// machine, so a failure prints a seed and an index that reproduce it.

/** A seeded pseudo-random generator (mulberry32): deterministic, fast, 32-bit state. */
export class Prng {
  #state: number;

  /** Starts the sequence of `seed`. */
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** The next value in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

/** A named way to damage bytes. */
export type Mutator = (input: Uint8Array, rng: Prng) => Uint8Array;

function splice(input: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(input.length - remove + insert.length);
  out.set(input.subarray(0, at));
  out.set(insert, at);
  out.set(input.subarray(at + remove), at + insert.length);
  return out;
}

// Values that make protobuf readers take unusual paths: varint continuation bytes, tags of every
// wire type (including the deprecated groups 3/4 and the invalid 6/7), huge lengths, zero.
const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x08, 0x0a, 0x0b, 0x0c, 0x0e, 0x0f, 0x12, 0x1a];

/** Every mutator, by name. */
export const MUTATORS: Readonly<Record<string, Mutator>> = {
  /** Flips one bit. */
  bitFlip(input, rng) {
    if (input.length === 0) return rng.bytes(1);
    const out = input.slice();
    out[rng.int(out.length)] ^= 1 << rng.int(8);
    return out;
  },
  /** Sets one byte to a protobuf-significant value. */
  interestingByte(input, rng) {
    if (input.length === 0) return Uint8Array.of(rng.pick(INTERESTING));
    const out = input.slice();
    out[rng.int(out.length)] = rng.pick(INTERESTING);
    return out;
  },
  /** Sets several random bytes. */
  randomBytes(input, rng) {
    const out = input.slice();
    for (let i = 0, n = 1 + rng.int(8); i < n && out.length; i++) {
      out[rng.int(out.length)] = rng.int(256);
    }
    return out;
  },
  /** Cuts the tail off. */
  truncate(input, rng) {
    return input.slice(0, rng.int(input.length + 1));
  },
  /** Removes a run of bytes from the middle. */
  deleteRun(input, rng) {
    if (input.length < 2) return input.slice();
    const at = rng.int(input.length);
    return splice(input, at, 1 + rng.int(Math.min(16, input.length - at)), new Uint8Array(0));
  },
  /** Inserts random bytes. */
  insertRun(input, rng) {
    return splice(input, rng.int(input.length + 1), 0, rng.bytes(1 + rng.int(16)));
  },
  /** Repeats a run of bytes in place (duplicated fields, nested copies). */
  duplicateRun(input, rng) {
    if (input.length === 0) return input.slice();
    const at = rng.int(input.length);
    const run = input.slice(at, at + 1 + rng.int(Math.min(64, input.length - at)));
    return splice(input, at, 0, run);
  },
  /** Appends a run of random bytes (trailing garbage). */
  appendGarbage(input, rng) {
    return splice(input, input.length, 0, rng.bytes(1 + rng.int(32)));
  },
  /** Replaces a byte by a long varint (a huge length or tag). */
  hugeVarint(input, rng) {
    const varint = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
    const at = rng.int(input.length + 1);
    return splice(input, at, at < input.length ? 1 : 0, varint);
  },
};

/** Mutator names in a stable order. */
export const MUTATOR_NAMES: readonly string[] = Object.keys(MUTATORS);

/** One generated case. */
export interface FuzzCase {
  /** Its index in the run (with the seed, reproduces it). */
  index: number;
  /** The mutators applied, in order. */
  mutators: string[];
  /** The damaged bytes. */
  bytes: Uint8Array;
}

/** Applies 1 to `maxStack` random mutators to `input`. */
export function mutate(input: Uint8Array, rng: Prng, maxStack = 3): Omit<FuzzCase, "index"> {
  const mutators: string[] = [];
  let bytes = input;
  for (let i = 0, n = 1 + rng.int(maxStack); i < n; i++) {
    const name = rng.pick(MUTATOR_NAMES);
    mutators.push(name);
    bytes = MUTATORS[name](bytes, rng);
  }
  return { mutators, bytes };
}

/** Options of {@linkcode fuzz}. */
export interface FuzzOptions {
  /** The seed of the run. */
  seed: number;
  /** At most this many cases. */
  count: number;
  /** Stop starting cases after this many milliseconds. */
  timeMs: number;
  /** Mutators stacked per case, at most. @default {3} */
  maxStack?: number;
}

/** What a bounded run did. */
export interface FuzzSummary {
  /** Cases run. */
  cases: number;
  /** Whether the time bound stopped the run before `count`. */
  timedOut: boolean;
  /** Wall time, milliseconds. */
  ms: number;
}

/**
 * Runs `check` on up to `count` mutations of the seeds (picked at random per case), stopping
 * early when `timeMs` is spent. Bounded in count and in time.
 */
export async function fuzz(
  seeds: readonly Uint8Array[],
  options: FuzzOptions,
  check: (c: FuzzCase) => Promise<void> | void,
): Promise<FuzzSummary> {
  const rng = new Prng(options.seed);
  const started = performance.now();
  let cases = 0;
  while (cases < options.count) {
    if (performance.now() - started > options.timeMs) {
      return { cases, timedOut: true, ms: performance.now() - started };
    }
    const { mutators, bytes } = mutate(rng.pick(seeds), rng, options.maxStack);
    await check({ index: cases, mutators, bytes });
    cases++;
  }
  return { cases, timedOut: false, ms: performance.now() - started };
}
