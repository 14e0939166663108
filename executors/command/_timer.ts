// A cancellable timer that does not touch the global setTimeout: in Deno 2.9 the first reference to
// setTimeout or clearTimeout loads the Node.js timers module (node:timers and what it imports),
// about 5 ms of a run on an idle 2-core machine and three times that under load, a sixth of what
// the command executor adds to a program that does nothing. AbortSignal.timeout runs on the
// runtime's own timer queue; its timer keeps the process alive only while an abort listener is
// attached, so removing the listener cancels it.

/** The longest delay one timer takes (a signed 32-bit count of milliseconds, about 24.8 days). */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * Calls `fn` once after `ms` milliseconds, unless the returned function is called first. Delays
 * longer than 24.8 days wait in steps, where a plain timer would fire at once.
 *
 * @example Cancel before it fires
 * ```ts
 * import { after } from "./_timer.ts";
 * import { assertEquals } from "@std/assert";
 *
 * let fired = 0;
 * const cancel = after(10, () => fired++);
 * cancel();
 * await new Promise<void>((resolve) => after(30, resolve));
 * assertEquals(fired, 0);
 * ```
 */
export function after(ms: number, fn: () => void): () => void {
  let cancel = () => {};
  const arm = (left: number) => {
    const signal = AbortSignal.timeout(Math.min(left, MAX_DELAY_MS));
    const onAbort = () => left > MAX_DELAY_MS ? arm(left - MAX_DELAY_MS) : fn();
    signal.addEventListener("abort", onAbort, { once: true });
    cancel = () => signal.removeEventListener("abort", onAbort);
  };
  arm(Math.max(0, ms));
  return () => cancel();
}
