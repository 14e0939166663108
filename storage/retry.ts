// Jittered exponential backoff, bounded in attempts and in time, shared by the storage backends;
// executors that call remote APIs (the OpenAI executor) wait with its abortable sleep.

/** How a backend retries a transient failure. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  /** Base delay in milliseconds; retry n waits about `base * 2^n`, jittered. */
  baseDelayMs: number;
  /** Cap of one delay in milliseconds. */
  maxDelayMs: number;
  /** No retry starts once this many milliseconds have passed since the first attempt. */
  budgetMs: number;
}

/** Settings shared by S3Config and HttpConfig, turned into a {@linkcode RetryPolicy}. */
export function retryPolicy(
  config: { retries?: number; backoffSeconds?: number; maxRetrySeconds?: number },
): RetryPolicy {
  return {
    retries: config.retries ?? 3,
    baseDelayMs: (config.backoffSeconds ?? 0.2) * 1000,
    maxDelayMs: 20_000,
    budgetMs: (config.maxRetrySeconds ?? 60) * 1000,
  };
}

/**
 * The delay before retry number `retry` (0 for the first retry): "equal jitter", half fixed and
 * half random, so concurrent clients spread out but never retry at once.
 */
export function backoffDelay(
  retry: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return ceiling / 2 + random() * (ceiling / 2);
}

/** Counts attempts and elapsed time of one logical request. */
export class RetryBudget {
  readonly #policy: RetryPolicy;
  readonly #started = performance.now();
  #retries = 0;

  constructor(policy: RetryPolicy) {
    this.#policy = policy;
  }

  /** Retries made so far. */
  get retries(): number {
    return this.#retries;
  }

  /**
   * The delay before the next retry, or `undefined` when the count or time bound is reached
   * (a retry that would start after the time bound is not made). Counts the retry.
   */
  next(retryAfterMs?: number): number | undefined {
    if (this.#retries >= this.#policy.retries) return undefined;
    let delay = backoffDelay(this.#retries, this.#policy);
    if (retryAfterMs !== undefined && retryAfterMs > delay) {
      delay = Math.min(retryAfterMs, this.#policy.maxDelayMs);
    }
    if (performance.now() - this.#started + delay > this.#policy.budgetMs) return undefined;
    this.#retries++;
    return delay;
  }
}

/**
 * Waits `ms`, rejecting with the signal's reason when it aborts.
 *
 * @example An aborted wait
 * ```ts
 * import { sleep } from "./retry.ts";
 * import { assertRejects } from "@std/assert";
 *
 * await sleep(1);
 * await assertRejects(() => sleep(60_000, AbortSignal.abort(new Error("stop"))), Error, "stop");
 * ```
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Options of {@linkcode withRetry}. */
export interface WithRetryOptions {
  /** The bounds. */
  policy: RetryPolicy;
  /** Whether a failure may go away on retry. */
  isTransient: (error: unknown) => boolean;
  /** Stops waiting and retrying. */
  signal?: AbortSignal;
  /** A server's hint (`Retry-After`) of how long to wait, in milliseconds. */
  retryAfterMs?: (error: unknown) => number | undefined;
}

/** Runs `attempt` until it succeeds, fails for good, or the retry bounds are reached. */
export async function withRetry<T>(
  attempt: () => Promise<T>,
  options: WithRetryOptions,
): Promise<T> {
  const budget = new RetryBudget(options.policy);
  while (true) {
    try {
      return await attempt();
    } catch (error) {
      if (options.signal?.aborted || !options.isTransient(error)) throw error;
      const delay = budget.next(options.retryAfterMs?.(error));
      if (delay === undefined) throw error;
      await sleep(delay, options.signal);
    }
  }
}

/** Options of {@linkcode withIdleTimeout}. */
export interface IdleTimeoutOptions {
  /** Milliseconds without a `touch()` after which the attempt is abandoned. */
  timeoutMs: number;
  /** The caller's signal, which aborts the attempt too. */
  signal?: AbortSignal;
  /** What to throw, in place of the attempt's failure, when the timer ran out. */
  onIdle: (cause: unknown) => Error;
}

/**
 * Runs one attempt with a progress timer: the attempt's signal aborts when the caller's does, or
 * after `timeoutMs` without a `touch()` (then `onIdle` says what the attempt failed with).
 */
export async function withIdleTimeout<T>(
  attempt: (signal: AbortSignal, touch: () => void) => Promise<T>,
  options: IdleTimeoutOptions,
): Promise<T> {
  const { timeoutMs, signal: outer } = options;
  const idle = new AbortController();
  let timer = setTimeout(() => idle.abort(), timeoutMs);
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => idle.abort(), timeoutMs);
  };
  const signal = outer ? AbortSignal.any([outer, idle.signal]) : idle.signal;
  try {
    return await attempt(signal, touch);
  } catch (error) {
    if (idle.signal.aborted && !outer?.aborted) throw options.onIdle(error);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** Options of {@linkcode withRetryAndIdleTimeout}: the retry bounds and the progress timer. */
export interface RetryAndIdleTimeoutOptions extends WithRetryOptions {
  /** Milliseconds without a `touch()` after which one attempt is abandoned. */
  timeoutMs: number;
  /** What to throw, in place of the attempt's failure, when the timer ran out. */
  onIdle: (cause: unknown) => Error;
  /** Counts the attempts made, for the final error's message. */
  attempts?: { count: number };
}

/**
 * {@linkcode withRetry} with each attempt under {@linkcode withIdleTimeout}: the backends' way to
 * run one operation. The caller's `signal` stops both the waits and the attempts.
 *
 * @example A stalled first attempt, retried
 * ```ts
 * import { withRetryAndIdleTimeout } from "./retry.ts";
 * import { assertEquals } from "@std/assert";
 *
 * class Stalled extends Error {}
 * const attempts = { count: 0 };
 * const answer = await withRetryAndIdleTimeout(
 *   (signal) =>
 *     attempts.count === 1
 *       ? new Promise<string>((_, reject) => signal.addEventListener("abort", reject))
 *       : Promise.resolve("ok"),
 *   {
 *     policy: { retries: 1, baseDelayMs: 1, maxDelayMs: 1, budgetMs: 1_000 },
 *     isTransient: (error) => error instanceof Stalled,
 *     timeoutMs: 10,
 *     onIdle: () => new Stalled(),
 *     attempts,
 *   },
 * );
 * assertEquals([answer, attempts.count], ["ok", 2]);
 * ```
 */
export function withRetryAndIdleTimeout<T>(
  attempt: (signal: AbortSignal, touch: () => void) => Promise<T>,
  options: RetryAndIdleTimeoutOptions,
): Promise<T> {
  const { timeoutMs, onIdle, signal, attempts } = options;
  return withRetry(() => {
    if (attempts) attempts.count++;
    return withIdleTimeout(attempt, { timeoutMs, signal, onIdle });
  }, options);
}

/** The AWS SDK's retry error classes (`RetryErrorInfo.errorType`). */
type SdkErrorType = "TRANSIENT" | "THROTTLING" | "SERVER_ERROR" | "CLIENT_ERROR";

/** A token as the AWS SDK's retry middleware uses it (`RetryToken`). */
interface SdkRetryToken {
  getRetryCount(): number;
  getRetryDelay(): number;
  budget: RetryBudget;
  delay: number;
}

/**
 * A retry strategy for the AWS SDK (its `RetryStrategyV2` shape): retries throttling, transient
 * network failures and 5xx answers with {@linkcode backoffDelay}, never client errors (4xx).
 */
export function sdkRetryStrategy(policy: RetryPolicy): {
  acquireInitialRetryToken(scope: string): Promise<SdkRetryToken>;
  refreshRetryTokenForRetry(
    token: SdkRetryToken,
    info: { errorType: SdkErrorType; retryAfterHint?: Date },
  ): Promise<SdkRetryToken>;
  recordSuccess(token: SdkRetryToken): void;
} {
  const token = (budget: RetryBudget, delay: number): SdkRetryToken => ({
    budget,
    delay,
    getRetryCount: () => budget.retries,
    getRetryDelay: () => delay,
  });
  return {
    acquireInitialRetryToken: () => Promise.resolve(token(new RetryBudget(policy), 0)),
    refreshRetryTokenForRetry(previous, info) {
      const refuse = () => Promise.reject(new Error("No retry left"));
      if (info.errorType === "CLIENT_ERROR") return refuse();
      const hint = info.retryAfterHint ? info.retryAfterHint.getTime() - Date.now() : undefined;
      const delay = previous.budget.next(hint);
      return delay === undefined ? refuse() : Promise.resolve(token(previous.budget, delay));
    },
    recordSuccess() {},
  };
}
