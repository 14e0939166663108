// The test program of the reliability suites: built-in, runtime test and reliability executors.
import process from "node:process";
import { main } from "../entrypoint/mod.ts";
import { createExecutorRegistry } from "../executors/mod.ts";
import { BUILTIN_EXECUTORS } from "../executors/builtin.ts";
import { TEST_EXECUTORS } from "./executors.ts";
import { RELIABILITY_EXECUTORS } from "./reliability_executors.ts";

Deno.exit(
  await main(Deno.args, {
    registry: createExecutorRegistry([
      ...BUILTIN_EXECUTORS,
      ...TEST_EXECUTORS,
      ...RELIABILITY_EXECUTORS,
    ]),
    programName: process.argv0,
  }),
);
