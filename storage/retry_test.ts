import { assert, assertEquals, assertRejects } from "@std/assert";
import {
  backoffDelay,
  RetryBudget,
  type RetryPolicy,
  sdkRetryStrategy,
  withRetry,
} from "./retry.ts";

const policy: RetryPolicy = { retries: 3, baseDelayMs: 100, maxDelayMs: 1000, budgetMs: 60_000 };

Deno.test("backoffDelay() backoff doubles, is jittered within [d/2, d] and capped", () => {
  assertEquals([0, 1, 2].map((n) => backoffDelay(n, policy, () => 0)), [50, 100, 200]);
  assertEquals([0, 1, 2].map((n) => backoffDelay(n, policy, () => 1)), [100, 200, 400]);
  assertEquals(backoffDelay(10, policy, () => 1), 1000);
  const samples = new Set(Array.from({ length: 20 }, () => backoffDelay(3, policy)));
  assert(samples.size > 1, "no jitter");
  for (const d of samples) assert(d >= 400 && d <= 800, String(d));
});

Deno.test("RetryBudget() a budget allows `retries` retries, and none past its time bound", () => {
  const budget = new RetryBudget(policy);
  const delays = [budget.next(), budget.next(), budget.next(), budget.next()];
  assertEquals(delays.map((d) => d !== undefined), [true, true, true, false]);
  assertEquals(budget.retries, 3);
  const short = new RetryBudget({ ...policy, budgetMs: 120 });
  assert(short.next() !== undefined); // <= 100 ms fits
  assertEquals(short.next(5_000), undefined); // a 5 s hint would pass the bound
});

Deno.test("withRetry() retries transient failures only", async () => {
  const fast = { ...policy, baseDelayMs: 1 };
  let calls = 0;
  const result = await withRetry(() => {
    calls++;
    return calls < 3 ? Promise.reject(new Error("transient")) : Promise.resolve("ok");
  }, { policy: fast, isTransient: () => true });
  assertEquals([result, calls], ["ok", 3]);

  calls = 0;
  await assertRejects(
    () =>
      withRetry(() => {
        calls++;
        return Promise.reject(new Error("permanent"));
      }, { policy: fast, isTransient: () => false }),
    Error,
    "permanent",
  );
  assertEquals(calls, 1);

  calls = 0;
  await assertRejects(() =>
    withRetry(() => {
      calls++;
      return Promise.reject(new Error("always"));
    }, { policy: fast, isTransient: () => true })
  );
  assertEquals(calls, 4);
});

Deno.test("sdkRetryStrategy() the SDK strategy refuses client errors and counts retries", async () => {
  const strategy = sdkRetryStrategy({ ...policy, retries: 2 });
  const first = await strategy.acquireInitialRetryToken("");
  await assertRejects(() =>
    strategy.refreshRetryTokenForRetry(first, { errorType: "CLIENT_ERROR" })
  );
  const second = await strategy.refreshRetryTokenForRetry(first, { errorType: "THROTTLING" });
  assertEquals(second.getRetryCount(), 1);
  assert(second.getRetryDelay() >= 50 && second.getRetryDelay() <= 100);
  const third = await strategy.refreshRetryTokenForRetry(second, { errorType: "SERVER_ERROR" });
  assertEquals(third.getRetryCount(), 2);
  await assertRejects(() => strategy.refreshRetryTokenForRetry(third, { errorType: "TRANSIENT" }));
});
