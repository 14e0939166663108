// The flyteshim binary: the built-in executors behind the command line. Run it as
// `flyteshim execute ...`, `flyteshim pyflyte-execute ...` or under the name `pyflyte-execute`
// (a symlink: `process.argv0` keeps the name it was started as, `Deno.execPath()` does not;
// node:process is imported only when the first argument is not a command).
import { main } from "./_main.ts";
import { createExecutorRegistry } from "../executors/mod.ts";
import { BUILTIN_EXECUTORS } from "../executors/builtin.ts";

Deno.exit(
  await main(Deno.args, {
    registry: createExecutorRegistry(BUILTIN_EXECUTORS),
    programName: async () => (await import("node:process")).default.argv0,
  }),
);
