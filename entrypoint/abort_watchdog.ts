// The abort watchdog: a second thread that answers SIGTERM and SIGINT while the main thread is
// held by one long synchronous step (node:sqlite runs a statement to its end before JavaScript
// runs again, and has no interrupt). The main thread stays in charge whenever it can act: it
// claims the run's ending as soon as it sees the signal, or when it commits outputs.pb or
// reports a failure. When the main thread has not claimed it `graceMs` after the signal, the
// watchdog claims it, writes the SYSTEM:Aborted error document itself, removes the work folder
// and ends the process.
import type { StorageOptions } from "../storage/mod.ts";

/** The first message: what to write where, and the shared state of the run's ending. */
export interface WatchdogInit {
  type: "init";
  state: Int32Array;
  uri: string;
  worker: string;
  storage: StorageOptions;
  graceMs: number;
  exit: boolean;
  flyte2: boolean;
}

/** Nobody has claimed the run's ending yet. */
export const RUNNING = 0;
/** The main thread ends the run (it commits outputs.pb or writes error.pb). */
export const MAIN = 1;
/** The watchdog ends the run: it writes error.pb and ends the process. */
export const WATCHDOG = 2;
/** The watchdog has written error.pb. */
export const WRITTEN = 3;

/** Options of {@linkcode startAbortWatchdog}. */
export interface AbortWatchdogOptions {
  /** Where the error document goes. */
  uri: string;
  /** The worker name written to the error document (see `ErrorReporting`). */
  worker: string;
  /** The settings the watchdog builds its own storage from (plain data). */
  storage: StorageOptions;
  /** How long the main thread has to claim the ending after a signal. @default {1000} */
  graceMs?: number;
  /** End the process once the document is written. @default {true} */
  exit?: boolean;
  /** Write Flyte 2's ContainerError (fields 1-4: no timestamp, no worker). @default false */
  flyte2?: boolean;
}

/** The main thread's side of a running watchdog. */
export interface AbortWatchdog {
  /**
   * Claims the run's ending for the main thread; `false` when the watchdog already has it (then
   * the main thread writes nothing: no outputs.pb, no error.pb).
   */
  claim(): boolean;
  /** Resolves once the watchdog has written the error document (after `claim()` said `false`). */
  written(): Promise<void>;
  /** Resolves once the thread listens for the signals. */
  ready(): Promise<void>;
  /** Tells the watchdog the work folder, removed before the process ends. */
  setWorkDir(path: string): void;
  /** Stops the watchdog thread. */
  stop(): void;
}

const WORKER_URL = new URL("./abort_watchdog_worker.ts", import.meta.url);
let workerFound: boolean | undefined;

/**
 * Starts the watchdog thread, or returns `undefined` where the program has no worker module (a
 * single-file bundle). The thread's creation costs the main thread the time of a new V8 isolate.
 */
export function startAbortWatchdog(options: AbortWatchdogOptions): AbortWatchdog | undefined {
  if (workerFound === undefined) {
    try {
      workerFound = WORKER_URL.protocol !== "file:" || Deno.statSync(WORKER_URL).isFile;
    } catch {
      workerFound = false;
    }
  }
  if (!workerFound) return undefined;
  const state = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(WORKER_URL, { type: "module" });
  const init: WatchdogInit = {
    type: "init",
    state,
    uri: options.uri,
    worker: options.worker,
    storage: options.storage,
    graceMs: options.graceMs ?? 1000,
    exit: options.exit ?? true,
    flyte2: options.flyte2 ?? false,
  };
  const ready = Promise.withResolvers<void>();
  worker.onmessage = () => ready.resolve();
  worker.postMessage(init);
  let stopped = false;
  return {
    claim() {
      const was = Atomics.compareExchange(state, 0, RUNNING, MAIN);
      return was === RUNNING || was === MAIN;
    },
    async written() {
      for (;;) {
        const now = Atomics.load(state, 0);
        if (now !== WATCHDOG) return;
        await Atomics.waitAsync(state, 0, now, 100).value;
      }
    },
    ready: () => ready.promise,
    setWorkDir(path) {
      if (!stopped) worker.postMessage({ type: "workDir", path });
    },
    stop() {
      stopped = true;
      worker.terminate();
    },
  };
}
