// Pieces shared by the harnesses that run a throwaway database server (_testing/postgres.ts,
// _testing/mariadb.ts): a free loopback port, running as `nobody` when the tests run as root (both
// servers refuse root), and a spawned server whose stderr is kept for error messages and whose
// stop also removes its folder.

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
