import { assertEquals } from "@std/assert";
import { defineExecutor } from "../executors/mod.ts";
import { Types } from "../types/mod.ts";
import { defineTask } from "./define.ts";
import type { IsUnion, SqlOutputsFit } from "./sql.ts";
import type { ConfigOf, ExecutorFits, Misfits, RunArgs, TaskTypeOf } from "./types.ts";

// Compile-time checks of the SDK's helper types (moved from their doc comments, which keep the
// prose): `deno check`, which `deno test` runs, fails when one drifts.

Deno.test("ConfigOf and TaskTypeOf take the config and task types from the executor", () => {
  const shout = defineExecutor({
    id: "x.shout",
    taskTypes: ["shout", "yell"],
    parseConfig: (custom: { times: number }) => custom,
    execute: () => Promise.resolve(),
  });
  const config: ConfigOf<typeof shout> = { times: 2 };
  const taskType: TaskTypeOf<typeof shout> = "yell";
  // @ts-expect-error the executor runs no "whisper" tasks
  const other: TaskTypeOf<typeof shout> = "whisper";
  assertEquals([config, taskType, other], [{ times: 2 }, "yell", "whisper"]);
});

Deno.test("Misfits and ExecutorFits name what an executor and a task disagree on", () => {
  const key: Misfits<{ a: number; b: string }, { a: number; b: number }> = "b";
  const inputs = { text: Types.string };
  const echo = defineExecutor({
    id: "x.echo",
    taskTypes: ["echo"],
    inputs,
    parseConfig: () => ({}),
    execute: (_config, given) => Promise.resolve({ out: given.text }),
  });
  const fits:
    & typeof echo
    & ExecutorFits<typeof echo, typeof inputs, { out: typeof Types.string }> = echo;
  assertEquals([key, fits.id], ["b", "x.echo"]);
});

Deno.test("RunArgs lets a task without inputs run as task.run()", async () => {
  const args: RunArgs<Record<never, never>> = [];
  const hello = defineExecutor({
    id: "x.hello",
    taskTypes: ["hello"],
    parseConfig: () => ({}),
    execute: () => Promise.resolve(),
  });
  const task = defineTask({ name: "hello", taskType: "hello", executor: hello });
  assertEquals(await task.run(...args), {});
});

Deno.test("IsUnion and SqlOutputsFit accept one dataset output", () => {
  const several: IsUnion<"a" | "b"> = true;
  const one: IsUnion<"a"> = false;
  const outputs = { rows: Types.structuredDataset() };
  const fits: typeof outputs & SqlOutputsFit<typeof outputs> = outputs;
  const two = { a: Types.structuredDataset(), b: Types.structuredDataset() };
  // @ts-expect-error a SQL task has one dataset output
  const misfit: typeof two & SqlOutputsFit<typeof two> = two;
  assertEquals([several, one, Object.keys(fits), Object.keys(misfit)], [
    true,
    false,
    ["rows"],
    ["a", "b"],
  ]);
});
