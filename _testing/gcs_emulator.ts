/**
 * Test harness: firebase-tools' Cloud Storage emulator (it serves the GCS JSON API) run by Node.js
 * in a child process on a free loopback port, with its own temporary folder. `firebase
 * emulators:start` would want Java 21 for the security-rules add-on; the JSON API routes never
 * consult rules, so the emulator is started from its module with the rules runtime left out. That
 * reaches into firebase-tools' `lib/`, so deno.json pins firebase-tools exactly.
 *
 * Limits (firebase-tools 15.37.0): no chunked resumable uploads (it keeps the first chunk and
 * finalizes), no upload-status query, no preconditions, request bodies up to 130 MB.
 *
 * ```ts ignore
 * await using gcs = await startGcsEmulator();
 * // gcs.env: STORAGE_EMULATOR_HOST for a child process
 * ```
 *
 * @module
 */

import type { GcsConfig } from "../storage/config.ts";
import { disposable, ensureInstalled, freePort, stopChild } from "./service.ts";

/** A running emulator. */
export interface GcsEmulatorHandle extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** The bound port. */
  port: number;
  /** `STORAGE_EMULATOR_HOST` for a flyteshim process. */
  env: Record<string, string>;
  /** The same as a GcsConfig, with quick retries for tests. */
  config: GcsConfig;
  /** Stops the emulator and removes its folder. */
  stop(): Promise<void>;
}

const LAUNCHER = `
const [fbDir, port] = process.argv.slice(1);
const { EmulatorLogger } = require(fbDir + "/lib/emulator/emulatorLogger.js");
EmulatorLogger.prototype.log = function (type, text) {
  if (type === "WARN" || type === "ERROR") console.error("[gcs-emulator " + type + "] " + text);
};
const { StorageEmulator } = require(fbDir + "/lib/emulator/storage/index.js");
const emulator = new StorageEmulator({ projectId: "demo-flyteshim", host: "127.0.0.1", port: Number(port), auto_download: false });
// No rules runtime (a Java jar): the GCS JSON API routes do not consult rules.
emulator._rulesRuntime.start = async () => {};
emulator._rulesRuntime.stop = async () => {};
emulator._rulesManager = { start: async () => {}, stop: async () => {}, getRuleset: () => undefined };
// The registry tells the emulator its own host and port (object metadata links are built from it).
require(fbDir + "/lib/emulator/registry.js").EmulatorRegistry.start(emulator)
  .then(() => console.log(JSON.stringify({ port: Number(port) })));
process.on("SIGTERM", () => emulator.stop().finally(() => process.exit(0)));
process.stdin.on("data", () => {}).on("end", () => process.exit(0));
`;

/** Starts the emulator and waits until it listens. */
export async function startGcsEmulator(): Promise<GcsEmulatorHandle> {
  const directory = await Deno.makeTempDir({ prefix: "gcs-emulator-" });
  await ensureInstalled("node_modules/firebase-tools/lib/emulator/storage/index.js");
  const module = await ensureInstalled("node_modules/firebase-tools");
  const port = freePort();
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("node", {
      args: ["-e", LAUNCHER, module, String(port)],
      // The emulator keeps its objects below os.tmpdir().
      env: { TMPDIR: directory },
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
  } catch (cause) {
    await Deno.remove(directory, { recursive: true });
    throw new Error("Cannot start the GCS emulator: Node.js (`node`) is not on PATH", { cause });
  }
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await stopChild(child, { closeStdin: true, killAfterMs: 3_000 });
    await child.stdout.cancel().catch(() => {});
    await Deno.remove(directory, { recursive: true }).catch(() => {});
  };
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  try {
    while (!/\{"port":\d+\}/.test(buffered)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the GCS emulator exited before listening: ${buffered}`);
      buffered += value;
    }
  } catch (error) {
    reader.releaseLock();
    await stop();
    throw error;
  }
  reader.releaseLock();
  const endpoint = `http://127.0.0.1:${port}`;
  return disposable<Omit<GcsEmulatorHandle, typeof Symbol.asyncDispose>>({
    endpoint,
    port,
    env: { STORAGE_EMULATOR_HOST: endpoint, FLYTESHIM_GCS_RETRIES: "2" },
    config: { endpoint, emulator: true, retries: 2, backoffSeconds: 0.05 },
    stop,
  });
}
