// The abort watchdog's thread (see abort_watchdog.ts). It imports nothing until a signal comes,
// so that starting it costs only the new isolate; storage and the error document's encoding load
// when there is a document to write.
/// <reference lib="deno.worker" />
import type { WatchdogInit } from "./abort_watchdog.ts";

// The same values as abort_watchdog.ts exports (not imported: this thread imports nothing).
const RUNNING = 0;
const WATCHDOG = 2;
const WRITTEN = 3;

let init: WatchdogInit | undefined;
let workDir: string | undefined;
let fired = false;
let early: "SIGTERM" | "SIGINT" | undefined; // a signal before the first message

function log(level: "info" | "error", message: string, fields: Record<string, unknown> = {}) {
  const line = JSON.stringify({ time: new Date().toISOString(), level, message, ...fields });
  try {
    const bytes = new TextEncoder().encode(`${line}\n`);
    if (level === "error") Deno.stderr.writeSync(bytes);
    else Deno.stdout.writeSync(bytes);
  } catch { /* a closed stdout/stderr must not stop the document */ }
}

async function onSignal(signal: "SIGTERM" | "SIGINT") {
  if (!init) {
    early ??= signal;
    return;
  }
  if (fired) return;
  fired = true;
  const { state } = init;
  await new Promise((resolve) => setTimeout(resolve, init!.graceMs));
  // The main thread saw the signal (or is committing): it ends the run.
  if (Atomics.compareExchange(state, 0, RUNNING, WATCHDOG) !== RUNNING) return;
  log("error", "Task aborted while the main thread is held by a synchronous step", {
    signal,
    uri: init.uri,
  });
  try {
    const [{ createStorage }, { toErrorDocument }, { encodeErrorDocument }] = await Promise.all([
      import("../storage/mod.ts"),
      import("./error_document.ts"),
      import("../idl/core.ts"),
    ]);
    // The document the main thread writes for the same abort.
    const reason = new DOMException(`received ${signal}`, "AbortError");
    const doc = toErrorDocument(reason, { worker: init.worker });
    if (init.flyte2 && doc.error) {
      // As the main thread writes it on Flyte 2 (execute.ts): fields 1-4 only.
      delete doc.error.timestamp;
      delete doc.error.worker;
    }
    const bytes = encodeErrorDocument(doc);
    await createStorage(init.storage).write(init.uri, bytes, {
      signal: AbortSignal.timeout(10_000),
    });
    log("info", "Wrote error document", { uri: init.uri });
  } catch (error) {
    log("error", "Cannot write the error document", { uri: init.uri, error: String(error) });
  }
  if (workDir) {
    try {
      Deno.removeSync(workDir, { recursive: true });
    } catch { /* already gone */ }
  }
  Atomics.store(state, 0, WRITTEN);
  Atomics.notify(state, 0);
  // Deno.exit() here would end this thread only; the main thread cannot run its own exit.
  if (init.exit) Deno.kill(Deno.pid, "SIGKILL");
}

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  try {
    Deno.addSignalListener(signal, () => void onSignal(signal));
  } catch { /* signals are not supported on this platform */ }
}

self.onmessage = (event: MessageEvent<WatchdogInit | { type: "workDir"; path: string }>) => {
  const message = event.data;
  if (message.type === "init") {
    init = message;
    self.postMessage("ready"); // the listeners were added when this module ran
    if (early) void onSignal(early);
  } else workDir = message.path;
};
