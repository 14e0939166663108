// The executor contract (executors/mod.ts) as an executor meets it in a local run: its logger,
// secrets, checkpoint, context and outputs. Here, not beside executors/mod.ts, because a run
// needs task/ and entrypoint/, layers above executors/.
import { assertEquals } from "@std/assert";
import { removing, tempDir } from "../_testing/temp.ts";
import { createCheckpoint } from "../entrypoint/checkpoint.ts";
import { createStorage } from "../storage/storage.ts";
import { defineTask } from "../task/mod.ts";
import { Types } from "../types/mod.ts";
import {
  type Checkpoint,
  defineExecutor,
  type ExecutorContext,
  type ExecutorOutputs,
  type LiteralOutputs,
  literalOutputs,
  type Logger,
} from "../executors/mod.ts";
import type { Secrets } from "../secrets/mod.ts";

Deno.test("Logger: collects an executor's messages in a local run", async () => {
  const messages: string[] = [];
  const logger: Logger = {
    debug() {},
    info: (message) => {
      messages.push(message);
    },
    warn() {},
    error() {},
  };
  const hello = defineExecutor({
    id: "x.hello",
    taskTypes: ["hello"],
    parseConfig: () => ({}),
    execute: (_config, _inputs, ctx) => {
      ctx.logger.info("Hello");
      return Promise.resolve();
    },
  });
  await defineTask({ name: "hello", taskType: "hello", executor: hello }).run({}, { logger });
  assertEquals(messages.includes("Hello"), true);
});

Deno.test("Secrets: an executor reads a secret through its context", async () => {
  const password = (secrets: Secrets) => secrets.get({ group: "db", key: "password" });
  const connect = defineExecutor({
    id: "x.connect",
    taskTypes: ["connect"],
    parseConfig: () => ({}),
    execute: async (_config, _inputs, ctx) => ({ length: (await password(ctx.secrets)).length }),
  });
  const task = defineTask({
    name: "connect",
    taskType: "connect",
    executor: connect,
    outputs: { length: Types.integer },
  });
  assertEquals(await task.run({}, { env: { _FSEC_DB_PASSWORD: "s3cret" } }), { length: 6n });
});

Deno.test("Checkpoint: saves a file for the next attempt", async () => {
  const dir = await tempDir();
  await using _dir = removing(dir);
  await Deno.writeTextFile(`${dir}/state.json`, "{}");
  const checkpoint: Checkpoint = createCheckpoint({
    destination: `${dir}/cp`,
    storage: createStorage(),
    workDir: dir,
  });
  await checkpoint.save(`${dir}/state.json`);
  assertEquals([checkpoint.previous, await Deno.readTextFile(`${dir}/cp/state.json`)], [
    undefined,
    "{}",
  ]);
});

Deno.test("ExecutorContext: holds what a run gives its executor", async () => {
  const describe = (ctx: ExecutorContext) => ({
    type: ctx.template.type,
    fresh: ctx.newRawOutputUri().startsWith(`${ctx.rawOutputPrefix}/`),
  });
  const probe = defineExecutor({
    id: "x.probe",
    taskTypes: ["probe"],
    parseConfig: () => ({}),
    execute: (_config, _inputs, ctx) => Promise.resolve(describe(ctx)),
  });
  const outputs = { type: Types.string, fresh: Types.boolean };
  const task = defineTask({ name: "probe", taskType: "probe", executor: probe, outputs });
  assertEquals(await task.run({}), { type: "probe", fresh: true });
});

Deno.test("ExecutorOutputs: outputs by name are converted per the interface", async () => {
  const execute = (): Promise<ExecutorOutputs> => Promise.resolve({ total: 3 });
  const sum = defineExecutor({ id: "x.sum", taskTypes: ["sum"], parseConfig: () => ({}), execute });
  const task = defineTask({
    name: "sum",
    taskType: "sum",
    executor: sum,
    outputs: { total: Types.integer },
  });
  assertEquals(await task.run({}), { total: 3n });
});

Deno.test("defineExecutor(): an executor may return a ready literal map", async () => {
  const seven: LiteralOutputs = literalOutputs({
    literals: { n: { scalar: { primitive: { integer: 7 } } } },
  });
  const fixed = defineExecutor({
    id: "x.fixed",
    taskTypes: ["fixed"],
    parseConfig: () => ({}),
    execute: () => Promise.resolve(seven),
  });
  const task = defineTask({
    name: "fixed",
    taskType: "fixed",
    executor: fixed,
    outputs: { n: Types.integer },
  });
  assertEquals(await task.run({}), { n: 7n });
});
