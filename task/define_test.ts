import { assert, assertEquals, assertThrows } from "@std/assert";
import { createExecutorRegistry, defineExecutor, lazyExecutor } from "../executors/mod.ts";
import { Types } from "../types/descriptors.ts";
import type { StructuredDataset, Timestamp } from "../types/values.ts";
import { sqlite3Task, sqlTask } from "./sql.ts";
import { defineTask } from "./define.ts";
import { registryFor } from "./run.ts";

/** Compile-time equality of two types. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true
  : false;
function typeCheck<T extends true>(_: T): void {}

const echo = defineExecutor({
  id: "tests.typed_echo",
  taskTypes: ["echo"],
  parseConfig: () => ({}),
  execute: (_config, inputs) => Promise.resolve({ n: inputs.n, when: inputs.when }),
});

Deno.test("defineTask() inputs and outputs infer their TypeScript types from the descriptors", async () => {
  const task = defineTask({
    name: "typed",
    taskType: "echo",
    executor: echo,
    inputs: { n: Types.integer, when: Types.datetime, note: Types.optional(Types.string) },
    outputs: { n: Types.integer, when: Types.datetime },
  });
  type Run = Parameters<typeof task.run>[0];
  typeCheck<Equal<Run["n"], bigint | number>>(true);
  typeCheck<Equal<Run["when"], Timestamp | Date | string>>(true);
  typeCheck<Equal<Awaited<ReturnType<typeof task.run>>, { n: bigint; when: Timestamp }>>(true);
  // @ts-expect-error: "n" is required and must be an integer
  const _wrong: Run = { when: new Date() };
  const { run } = task; // a detached run still knows its task
  const out = await run({ n: 3, when: new Date("2024-01-02T03:04:05Z") });
  assertEquals(out.n, 3n);
  assertEquals(out.when.toISOString(), "2024-01-02T03:04:05.000000Z");
});

Deno.test("sqlTask() and sqlite3Task() default their output to a dataset named results", () => {
  const sqlite = sqlite3Task({ name: "a", queryTemplate: "select 1", uri: "db" });
  const sql = sqlTask({ name: "b", queryTemplate: "select 1", uri: "postgresql://h/d" });
  typeCheck<Equal<Awaited<ReturnType<typeof sqlite.run>>, { results: StructuredDataset }>>(true);
  typeCheck<Equal<Awaited<ReturnType<typeof sql.run>>, { results: StructuredDataset }>>(true);
  const silent = sqlTask({
    name: "c",
    queryTemplate: "delete from t",
    uri: "mysql://h/d",
    outputs: {},
  });
  assertEquals(Object.keys(silent.options.outputs), []);
  assertEquals(Object.keys(sqlite.options.outputs), ["results"]);
});

Deno.test("defineTask() a definition is frozen and names its executor by id", () => {
  const byValue = defineTask({ name: "v", taskType: "echo", executor: echo });
  const byEntry = defineTask({
    name: "e",
    taskType: "lazy",
    executor: lazyExecutor({ id: "tests.lazy", taskTypes: ["lazy"] }, () => Promise.resolve(echo)),
  });
  const byId = defineTask({ name: "i", taskType: "sqlite", executor: "flyteshim.sqlite3" });
  assertEquals([byValue.executorId, byEntry.executorId, byId.executorId], [
    "tests.typed_echo",
    "tests.lazy",
    "flyteshim.sqlite3",
  ]);
  assert(Object.isFrozen(byValue.options));
  assertThrows(() => {
    (byValue.options as { name: string }).name = "x";
  }, TypeError);
  // Local runs use the executor value itself, or the given registry, or the built-ins.
  assert(registryFor(byValue, {}).has("tests.typed_echo"));
  assert(registryFor(byEntry, {}).has("tests.lazy"));
  assert(registryFor(byId, {}).has("flyteshim.sqlite3"));
  const own = createExecutorRegistry([echo]);
  assertEquals(registryFor(byId, { registry: own }), own);
});

Deno.test("defineTask() an executor value's task types and inputs are checked at definition too", () => {
  const inputs = { text: Types.string };
  const echo = defineExecutor({
    id: "x.echo2",
    taskTypes: ["echo"],
    inputs,
    parseConfig: () => ({}),
    execute: (_config, given) => Promise.resolve({ out: given.text }),
  });
  assertThrows(
    // @ts-expect-error: the executor serves "echo"
    () => defineTask({ name: "a", taskType: "yell", executor: echo, inputs }),
    TypeError,
    'serves task types "echo", not "yell"',
  );
  assertThrows(
    // @ts-expect-error: the executor reads "text"
    () => defineTask({ name: "a", taskType: "echo", executor: echo }),
    TypeError,
    'reads inputs the task does not declare: "text"',
  );
});
