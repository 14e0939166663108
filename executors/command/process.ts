// Running the command: spawn without a shell, forward its standard error (keeping the tail for the
// error message), capture its standard output when an output takes it, forward SIGTERM with a
// grace period, kill it on the template's timeout, and classify how it ended.
import { SystemError, UserError } from "../../errors.ts";
import { after } from "./_timer.ts";

/** Lines of standard error quoted in a failure. */
const TAIL_LINES = 20;
/** Bytes of standard error kept for the tail. */
const TAIL_BYTES = 8 * 1024;
/** How long the pipes may stay open after the command exited (a child it left behind). */
const DRAIN_MS = 500;

/** Options of {@linkcode runCommand}. */
export interface RunCommandOptions {
  /** argv: the program, then its arguments. */
  argv: string[];
  /** Working folder. */
  cwd?: string;
  /** The whole environment of the command; the runtime's own when absent. */
  env?: Record<string, string>;
  /** Where standard output goes: the pod's log, memory (up to `maxStdoutBytes`), or a file. */
  stdout: { to: "inherit" } | { to: "memory"; maxBytes: number } | { to: "file"; path: string };
  /** Aborts the run: SIGTERM to the command, SIGKILL after `graceMs`. */
  signal: AbortSignal;
  /** The task's timeout in milliseconds, if any. */
  timeoutMs?: number;
  /** Time between SIGTERM and SIGKILL. */
  graceMs: number;
  /** Whether argv runs a shell, which reports a child killed by SIGKILL as exit code 137. */
  shell?: boolean;
  /** Receives the command's standard error as it comes. */
  onStderr?: (chunk: Uint8Array) => void;
}

/** How the command ended, when it ended on its own. */
export interface CommandResult {
  /** The captured standard output, when it went to memory. */
  stdout?: Uint8Array;
  /** Milliseconds from spawn to exit. */
  ms: number;
}

/** The last lines of a command's standard error. */
export function stderrTail(bytes: Uint8Array): string {
  const text = new TextDecoder().decode(bytes).replace(/\s+$/, "");
  const lines = text.split("\n");
  return lines.slice(-TAIL_LINES).join("\n");
}

function withTail(message: string, tail: string): string {
  return tail ? `${message}: ${tail}` : message;
}

function spawnError(program: string, cause: unknown): Error {
  if (cause instanceof Deno.errors.NotFound) {
    return new UserError(
      `Cannot run command "${program}": no such file or program on PATH in the image`,
      { code: "USER:CommandNotFound", cause },
    );
  }
  if (cause instanceof Deno.errors.PermissionDenied) {
    return new UserError(`Cannot run command "${program}": not executable (permission denied)`, {
      code: "USER:CommandNotExecutable",
      cause,
    });
  }
  if (cause instanceof Deno.errors.NotCapable) {
    return new SystemError(
      `Cannot run command "${program}": this process runs without --allow-run (use the flyteshim-command binary, or deno run --allow-run)`,
      { code: "SYSTEM:NotPermitted", recoverable: false, cause },
    );
  }
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new UserError(`Cannot run command "${program}": ${detail}`, {
    code: "USER:CommandNotExecutable",
    cause,
  });
}

/** Reads a stream to its end, handing each chunk on; stops early when `stop` resolves. */
async function pump(
  stream: ReadableStream<Uint8Array>,
  onChunk: (chunk: Uint8Array) => void | Promise<void>,
  stop: Promise<void>,
): Promise<void> {
  const reader = stream.getReader();
  const stopped = stop.then(() => "stop" as const);
  try {
    while (true) {
      const next = await Promise.race([reader.read(), stopped]);
      if (next === "stop") {
        await reader.cancel().catch(() => {});
        return;
      }
      if (next.done) return;
      await onChunk(next.value);
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * Runs one command to its end. Resolves when it exits with code 0; otherwise throws the failure,
 * classified: a non-zero exit `USER:CommandFailed` with the code and the last lines of standard
 * error, a signal nobody asked for (the OOM killer's SIGKILL) `SYSTEM:Killed` recoverable, the
 * task timeout `USER:Timeout` recoverable, an abort its reason, a program that does not exist or
 * cannot run `USER:CommandNotFound` / `USER:CommandNotExecutable`.
 */
export async function runCommand(options: RunCommandOptions): Promise<CommandResult> {
  const { argv, signal } = options;
  const program = argv[0];
  signal.throwIfAborted();
  let child: Deno.ChildProcess;
  const started = performance.now();
  try {
    child = new Deno.Command(program, {
      args: argv.slice(1),
      cwd: options.cwd,
      env: options.env,
      clearEnv: options.env !== undefined,
      stdin: "null",
      stdout: options.stdout.to === "inherit" ? "inherit" : "piped",
      stderr: "piped",
    }).spawn();
  } catch (cause) {
    throw spawnError(program, cause);
  }
  // Timers through ./_timer.ts: the global setTimeout costs a run that does nothing ~5 ms.
  let stopping: "abort" | "timeout" | undefined;
  let cancelKill = () => {};
  let exited = false;
  const stop = (why: "abort" | "timeout") => {
    if (stopping || exited) return;
    stopping = why;
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    cancelKill = after(options.graceMs, () => {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    });
  };
  const onAbort = () => stop("abort");
  signal.addEventListener("abort", onAbort, { once: true });
  const cancelTimeout = options.timeoutMs !== undefined
    ? after(options.timeoutMs, () => stop("timeout"))
    : () => {};

  let resolveDrained!: () => void;
  const drainDeadline = new Promise<void>((resolve) => resolveDrained = resolve);
  let tail = new Uint8Array(0);
  const stderrDone = pump(child.stderr, (chunk) => {
    options.onStderr?.(chunk);
    const joined = new Uint8Array(Math.min(tail.length + chunk.length, TAIL_BYTES));
    const all = new Uint8Array(tail.length + chunk.length);
    all.set(tail);
    all.set(chunk, tail.length);
    joined.set(all.subarray(all.length - joined.length));
    tail = joined;
  }, drainDeadline);

  let stdoutDone: Promise<void> = Promise.resolve();
  const captured: Uint8Array[] = [];
  let capturedBytes = 0;
  let stdoutTooLarge = false;
  let file: Deno.FsFile | undefined;
  const stdoutTarget = options.stdout;
  if (stdoutTarget.to === "memory") {
    stdoutDone = pump(child.stdout, (chunk) => {
      capturedBytes += chunk.length;
      if (capturedBytes > stdoutTarget.maxBytes) stdoutTooLarge = true;
      else captured.push(chunk);
    }, drainDeadline);
  } else if (stdoutTarget.to === "file") {
    file = await Deno.open(stdoutTarget.path, { write: true, create: true, truncate: true });
    const out = file;
    stdoutDone = pump(child.stdout, async (chunk) => {
      let written = 0;
      while (written < chunk.length) written += await out.write(chunk.subarray(written));
    }, drainDeadline);
  }

  let status: Deno.CommandStatus;
  try {
    status = await child.status;
  } finally {
    exited = true;
    signal.removeEventListener("abort", onAbort);
    cancelTimeout();
    cancelKill();
  }
  const cancelDrain = after(DRAIN_MS, resolveDrained);
  try {
    await Promise.all([stderrDone, stdoutDone]);
  } finally {
    cancelDrain();
    file?.close();
  }
  const ms = performance.now() - started;
  const text = stderrTail(tail);
  if (stopping === "abort") throw signal.reason;
  if (stopping === "timeout") {
    throw new UserError(
      withTail(
        `Command "${program}" ran past the task's timeout of ${
          options.timeoutMs! / 1000
        } s and was stopped`,
        text,
      ),
      { code: "USER:Timeout", recoverable: true },
    );
  }
  const killedSignal = status.signal ??
    (options.shell && status.code === 128 + 9 ? "SIGKILL" : null);
  if (killedSignal) {
    throw new SystemError(
      withTail(
        `Command "${program}" was killed by ${killedSignal}${
          killedSignal === "SIGKILL" ? " (the OOM killer, or another process)" : ""
        }`,
        text,
      ),
      { code: "SYSTEM:Killed", recoverable: true },
    );
  }
  if (status.code !== 0) {
    throw new UserError(withTail(`Command "${program}" exited with code ${status.code}`, text), {
      code: "USER:CommandFailed",
    });
  }
  if (stdoutTooLarge) {
    throw new UserError(
      `Cannot capture the standard output of "${program}": more than ${
        stdoutTarget.to === "memory" ? stdoutTarget.maxBytes : 0
      } bytes (declare the output as a file)`,
      { code: "USER:InvalidOutput" },
    );
  }
  if (stdoutTarget.to === "memory") {
    const bytes = new Uint8Array(capturedBytes);
    let at = 0;
    for (const chunk of captured) {
      bytes.set(chunk, at);
      at += chunk.length;
    }
    return { stdout: bytes, ms };
  }
  return { ms };
}
