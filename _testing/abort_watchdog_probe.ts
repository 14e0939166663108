// A process that plays the main thread against the abort watchdog: it starts the watchdog (the
// process is not ended: `exit: false`), sends itself SIGTERM, holds its thread the way a long
// SQLite step does, then reports as JSON what it found. Run by tests/abort_watchdog_test.ts.
//
//   deno run -A _testing/abort_watchdog_probe.ts <held|held-flyte2|claimed> <folder>
import { decodeErrorDocument } from "../idl/mod.ts";
import { startAbortWatchdog } from "../entrypoint/abort_watchdog.ts";

const [mode, dir] = Deno.args;
const work = `${dir}/work`;
Deno.mkdirSync(work);
const watchdog = startAbortWatchdog({
  uri: `${dir}/error.pb`,
  worker: "",
  storage: {},
  graceMs: 100,
  exit: false,
  flyte2: mode === "held-flyte2",
});
if (!watchdog) throw new Error("the watchdog's worker module is missing");
await watchdog.ready();
watchdog.setWorkDir(work);
await new Promise((resolve) => setTimeout(resolve, 50)); // the message reaches the thread

// "claimed": the main thread took the ending before the signal (it commits or reports).
const claimedFirst = mode === "claimed" ? watchdog.claim() : undefined;
Deno.kill(Deno.pid, "SIGTERM");
const end = performance.now() + 1_500;
while (performance.now() < end) { /* a synchronous step holding the thread */ }
await new Promise((resolve) => setTimeout(resolve, 200));

const claimedAfter = watchdog.claim();
await watchdog.written();
let error: { code?: string | null; message?: string | null; timestamp: boolean } | undefined;
try {
  const doc = decodeErrorDocument(Deno.readFileSync(`${dir}/error.pb`)).error;
  error = { code: doc?.code, message: doc?.message, timestamp: !!doc?.timestamp };
} catch { /* not written */ }
const workKept = Deno.statSync(dir).isDirectory && (() => {
  try {
    return Deno.statSync(work).isDirectory;
  } catch {
    return false;
  }
})();
watchdog.stop();
console.log(JSON.stringify({ claimedFirst, claimedAfter, error, workKept }));
