import { assert, assertEquals } from "@std/assert";
import { decodeErrorDocument } from "../idl/mod.ts";
import { startAbortWatchdog } from "./abort_watchdog.ts";

// These tests send SIGTERM to the test process itself: the watchdog thread's listener takes it.

async function started(dir: string, graceMs: number) {
  const watchdog = startAbortWatchdog({
    uri: `${dir}/error.pb`,
    worker: "",
    storage: {},
    graceMs,
    exit: false,
  });
  assert(watchdog, "the watchdog's worker module is missing");
  await watchdog.ready();
  return watchdog;
}

function hold(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* a synchronous step holding the thread */ }
}

Deno.test("abort watchdog: with the main thread held, it writes SYSTEM:Aborted and the main thread stands down", async () => {
  const dir = await Deno.makeTempDir({ prefix: "flyteshim-watchdog-" });
  const work = await Deno.makeTempDir({ prefix: "flyteshim-watchdog-work-" });
  const watchdog = await started(dir, 100);
  try {
    watchdog.setWorkDir(work);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the message reaches the thread
    Deno.kill(Deno.pid, "SIGTERM");
    hold(1_500);
    // Back on the main thread: the ending is the watchdog's, its document is (being) written.
    assertEquals(watchdog.claim(), false);
    await watchdog.written();
    const doc = decodeErrorDocument(await Deno.readFile(`${dir}/error.pb`));
    assertEquals(doc.error?.code, "SYSTEM:Aborted");
    assertEquals(doc.error?.message, "Task was aborted: received SIGTERM");
    assertEquals(await Deno.stat(work).then(() => true, () => false), false, "work folder kept");
  } finally {
    watchdog.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("abort watchdog: a main thread that claims the ending first keeps it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "flyteshim-watchdog-" });
  const watchdog = await started(dir, 100);
  try {
    assertEquals(watchdog.claim(), true);
    Deno.kill(Deno.pid, "SIGTERM");
    hold(600); // past the grace period: the watchdog finds the ending taken
    await new Promise((resolve) => setTimeout(resolve, 300));
    assertEquals(watchdog.claim(), true);
    await watchdog.written(); // resolves at once: nothing to wait for
    assertEquals(await Deno.stat(`${dir}/error.pb`).then(() => true, () => false), false);
  } finally {
    watchdog.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
