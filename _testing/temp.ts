// Temporary folders and files for tests and their helpers, removed when the test module ends,
// pass or fail: Deno dispatches `unload` once a module's tests are done, with or without
// --parallel. `deno task test` (.ci/test) checks that the suite's temporary folder is empty at the
// end. Same options as `Deno.makeTempDir` / `Deno.makeTempFile`.

const paths = new Set<string>();
let listening = false;

/** Removes `path` (a file, or a folder with its content) when the test module ends. */
export function removeAtUnload(path: string): string {
  paths.add(path);
  if (!listening) {
    listening = true;
    globalThis.addEventListener("unload", () => {
      for (const p of paths) {
        try {
          Deno.removeSync(p, { recursive: true });
        } catch {
          // Already gone.
        }
      }
    });
  }
  return path;
}

/** A new temporary folder, removed when the test module ends. */
export async function tempDir(options: Deno.MakeTempOptions = {}): Promise<string> {
  return removeAtUnload(await Deno.makeTempDir({ prefix: "flyteshim-test-", ...options }));
}

/** A new temporary file, removed when the test module ends. */
export async function tempFile(options: Deno.MakeTempOptions = {}): Promise<string> {
  return removeAtUnload(await Deno.makeTempFile({ prefix: "flyteshim-test-", ...options }));
}

/**
 * Removes `path` (a file, or a folder with its content) when the `await using` block that holds
 * the result ends, pass or fail: `await using _dir = removing(dir)` instead of a `finally` block.
 */
export function removing(path: string): AsyncDisposable {
  return {
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true }).catch((error) => {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      });
    },
  };
}
