import { assertEquals } from "@std/assert";
import { transientAnswer } from "./_fetch.ts";

Deno.test("transientAnswer() keeps the server's Retry-After in seconds, and no wait without one", () => {
  const answer = (headers: Record<string, string>) =>
    transientAnswer(new Response(null, { status: 503, headers }), "GET x").retryAfterMs;
  assertEquals(answer({ "retry-after": "3" }), 3000);
  assertEquals(answer({ "retry-after": "0.5" }), 500);
  assertEquals(answer({}), undefined);
  assertEquals(answer({ "retry-after": "" }), undefined);
  assertEquals(answer({ "retry-after": "soon" }), undefined);
  assertEquals(answer({ "retry-after": "-1" }), undefined);
});
