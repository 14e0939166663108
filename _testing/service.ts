// Pieces shared by the harnesses that run a throwaway server (postgres.ts, mariadb.ts, s3rver.ts,
// azurite.ts, gcs_emulator.ts): a free loopback port, the npm packages they run installed once,
// running as `nobody` when the tests run as root (both database servers refuse root), a spawned
// server whose stderr is kept for error messages and whose stop also removes its folder, one way
// to stop a child process (signal, then SIGKILL after a grace), and `await using` on a handle.
import { fileURLToPath } from "node:url";

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** The command line that runs `cmd` as `nobody` through `setpriv` when the tests run as root. */
export function asServerUser(cmd: string, args: string[]): [string, string[]] {
  if (Deno.uid() !== 0) return [cmd, args];
  return ["setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", cmd, ...args]];
}

/** Gives `path` (recursively) to `nobody` when the tests run as root. */
export async function chownToServerUser(path: string): Promise<void> {
  if (Deno.uid() !== 0) return;
  const out = await new Deno.Command("chown", { args: ["-R", "nobody:nogroup", path] }).output();
  if (!out.success) throw new Error(`chown failed: ${new TextDecoder().decode(out.stderr)}`);
}

/** A spawned server process. */
export interface ServerProcess {
  /** The process. */
  child: Deno.ChildProcess;
  /** Whether it has exited. */
  exited(): boolean;
  /** The last 200 chunks of its stderr. */
  log(): string;
  /**
   * Sends `signal` (and SIGKILL to `alsoKill`), waits for the exit and removes `root` (unless
   * `keep`, to start again in it); later calls do nothing.
   */
  finish(signal: Deno.Signal, alsoKill?: number[], options?: { keep?: boolean }): Promise<void>;
}

/** Spawns a server (stdout discarded, stderr kept) whose files live under `root`. */
export function spawnServer(
  cmd: string,
  args: string[],
  root: string,
  options: { cwd?: string } = {},
): ServerProcess {
  const child = new Deno.Command(cmd, {
    args,
    cwd: options.cwd,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr: string[] = [];
  const drain = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      stderr.push(chunk);
      if (stderr.length > 200) stderr.shift();
    }
  })();
  let exited = false;
  child.status.then(() => exited = true);
  let finished = false;
  return {
    child,
    exited: () => exited,
    log: () => stderr.join(""),
    async finish(signal, alsoKill = [], options = {}) {
      if (finished) return;
      finished = true;
      try {
        child.kill(signal);
      } catch { /* already gone */ }
      for (const pid of alsoKill) {
        try {
          Deno.kill(pid, "SIGKILL");
        } catch { /* already gone */ }
      }
      await child.status;
      await drain;
      if (!options.keep) await Deno.remove(root, { recursive: true });
    },
  };
}

/**
 * Makes a handle with `stop()` disposable: `await using db = await startPostgres()` stops it when
 * the block ends, pass or fail, with no `try { ... } finally { await db.stop() }`.
 */
export function disposable<T extends { stop(): Promise<void> }>(handle: T): T & AsyncDisposable {
  return Object.assign(handle, { [Symbol.asyncDispose]: () => handle.stop() });
}

/**
 * Runs `deno install` once in the repository when `path` (below `node_modules/`, relative to the
 * repository root) is missing: node_modules is filled by `deno install` (.ci/setup does it).
 * Returns the absolute path.
 */
export async function ensureInstalled(path: string): Promise<string> {
  const absolute = fileURLToPath(new URL(`../${path}`, import.meta.url));
  try {
    await Deno.stat(absolute);
  } catch {
    const cwd = fileURLToPath(new URL("..", import.meta.url));
    await new Deno.Command(Deno.execPath(), { args: ["install", "--quiet"], cwd }).output();
  }
  return absolute;
}

/** Options of {@linkcode stopChild}. */
export interface StopChildOptions {
  /** The first signal. @default "SIGTERM" */
  signal?: Deno.Signal;
  /** Close its stdin first (the Node launchers exit when stdin ends). @default false */
  closeStdin?: boolean;
  /** SIGKILL when it has not exited this long after the signal; none when absent. */
  killAfterMs?: number;
}

/** Stops a child process: stdin closed (optionally), a signal, SIGKILL after a grace, its exit. */
export async function stopChild(
  child: Deno.ChildProcess,
  options: StopChildOptions = {},
): Promise<void> {
  if (options.closeStdin) await child.stdin.close().catch(() => {});
  const kill = (signal: Deno.Signal) => {
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
  };
  const timer = options.killAfterMs === undefined
    ? undefined
    : setTimeout(() => kill("SIGKILL"), options.killAfterMs);
  kill(options.signal ?? "SIGTERM");
  await child.status;
  clearTimeout(timer);
}
