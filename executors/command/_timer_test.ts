import { assert, assertEquals } from "@std/assert";
import { after } from "./_timer.ts";

const sleep = (ms: number) => new Promise<void>((resolve) => after(ms, resolve));

Deno.test("after calls back once, after the delay", async () => {
  const started = performance.now();
  let fired = 0;
  await new Promise<void>((resolve) => after(20, () => resolve(void fired++)));
  await sleep(30);
  assertEquals(fired, 1);
  assert(performance.now() - started >= 19);
});

Deno.test("after does not call back once cancelled, and does not hold the process", async () => {
  let fired = false;
  const cancel = after(20, () => fired = true);
  cancel();
  cancel();
  await sleep(40);
  assertEquals(fired, false);
  // A cancelled long timer left behind would fail this test's leak check (and keep a program
  // alive): none is, because the cancelled signal has no listener.
  after(60_000, () => fired = true)();
});

Deno.test("after waits in steps past the 32-bit limit instead of firing at once", async () => {
  let fired = false;
  const cancel = after(2 ** 31 + 5, () => fired = true);
  await sleep(30);
  cancel();
  assertEquals(fired, false);
});
