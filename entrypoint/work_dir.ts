// The run's scratch folder, below the temporary folder (TMPDIR, else /tmp). A pod whose TMPDIR
// is missing, not a folder or not writable (a read-only root file system without a volume at
// /tmp, a TMPDIR set in the image to a path that is not there) fails the same way on every
// retry: that is the task's configuration (its image or pod template), so it is a USER error,
// not recoverable, naming the folder. A full disk may be another node's luck: SYSTEM, retried.
import { SystemError, UserError } from "../errors.ts";

/** The folder `Deno.makeTempDir` writes into, as the error names it. */
function tempRoot(): string {
  try {
    return Deno.env.get("TMPDIR") || "/tmp";
  } catch {
    return "the temporary folder";
  }
}

/** Explains a failure to create a folder below the temporary folder. */
export function workDirError(cause: unknown): unknown {
  const root = tempRoot();
  const hint = "set TMPDIR to a writable folder, or mount a writable volume at /tmp";
  if (cause instanceof Deno.errors.NotFound) {
    return new UserError(
      `Cannot create a work folder in "${root}": the folder does not exist; ${hint}`,
      { code: "USER:TempDirUnusable", cause },
    );
  }
  const os = (cause as { code?: string })?.code;
  if (
    cause instanceof Deno.errors.PermissionDenied || cause instanceof Deno.errors.NotADirectory ||
    os === "EROFS" || os === "ENOTDIR" || os === "EACCES" ||
    /read-only file system|not a directory/i.test(String((cause as Error)?.message))
  ) {
    const detail = cause instanceof Deno.errors.NotADirectory || os === "ENOTDIR" ||
        /not a directory/i.test(String((cause as Error)?.message))
      ? "it is not a folder"
      : "it is not writable";
    return new UserError(
      `Cannot create a work folder in "${root}": ${detail}; ${hint}`,
      { code: "USER:TempDirUnusable", cause },
    );
  }
  if (/no space left/i.test(String((cause as Error)?.message))) {
    return new SystemError(`Cannot create a work folder in "${root}": no space left on device`, {
      code: "SYSTEM:TempDirFull",
      cause,
    });
  }
  return cause;
}

/** Creates a fresh folder below the temporary folder, with a clear error when it cannot. */
export async function makeWorkDir(prefix: string): Promise<string> {
  try {
    return await Deno.makeTempDir({ prefix });
  } catch (cause) {
    throw workDirError(cause);
  }
}

/** {@linkcode makeWorkDir}, synchronously. */
export function makeWorkDirSync(prefix: string): string {
  try {
    return Deno.makeTempDirSync({ prefix });
  } catch (cause) {
    throw workDirError(cause);
  }
}

/**
 * Removes a work folder and everything in it; a folder already gone is not an error. Its
 * entries go in parallel: on a disk where every removal waits for the device (an ext4 mounted
 * with `discard`, as on the build machines), parallel removals share the wait, so a command
 * task's folder (inputs/ and outputs/ inside it) goes in about 3 ms instead of 10.
 */
export async function removeWorkDir(dir: string): Promise<void> {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch {
    return; // already gone
  }
  await Promise.all(
    entries.map((entry) =>
      Deno.remove(`${dir}/${entry.name}`, { recursive: entry.isDirectory }).catch(() => {})
    ),
  );
  try {
    Deno.removeSync(dir, { recursive: true });
  } catch { /* already gone */ }
}
