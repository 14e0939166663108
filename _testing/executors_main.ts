// A third-party style entrypoint: the test executors next to the built-in ones.
import { main } from "../entrypoint/mod.ts";
import { createExecutorRegistry } from "../executors/mod.ts";
import { BUILTIN_EXECUTORS } from "../executors/builtin.ts";
import { TEST_EXECUTORS } from "./executors.ts";

Deno.exit(
  await main(Deno.args, {
    registry: createExecutorRegistry([...BUILTIN_EXECUTORS, ...TEST_EXECUTORS]),
    programName: async () => (await import("node:process")).default.argv0,
  }),
);
