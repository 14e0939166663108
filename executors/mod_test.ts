import { assertEquals, assertRejects, assertThrows } from "@std/assert";
import { ExecutorNotFoundError } from "../errors.ts";
import { createExecutorRegistry, defineExecutor, lazyExecutor } from "./mod.ts";

const noop = defineExecutor({
  id: "t.noop",
  taskTypes: ["noop"],
  aliases: ["py.module.NoopExecutor"],
  parseConfig: () => ({}),
  execute: () => Promise.resolve(),
});

Deno.test("createExecutorRegistry() registry finds executors by id and alias, and refuses unknown ids", async () => {
  const registry = createExecutorRegistry([noop]);
  assertEquals((await registry.get("py.module.NoopExecutor")).id, "t.noop");
  const error = await assertRejects(() => registry.get("nope"), ExecutorNotFoundError, '"t.noop"');
  assertEquals(error.code, "USER:ExecutorNotFound");
});

Deno.test("createExecutorRegistry() registry refuses a duplicate id or alias", () => {
  const clash = { ...noop, id: "t.other", aliases: ["t.noop"] };
  assertThrows(() => createExecutorRegistry([noop, clash]), TypeError, '"t.noop" is already');
});

Deno.test("lazyExecutor() registry loads a lazy executor once, and tries again after a failed load", async () => {
  let calls = 0;
  const entry = lazyExecutor({ id: "t.lazy", taskTypes: ["lazy"] }, () => {
    calls++;
    return calls === 1 ? Promise.reject(new Error("flaky import")) : Promise.resolve(noop);
  });
  const registry = createExecutorRegistry([entry]);
  await assertRejects(() => registry.get("t.lazy"), Error, "flaky import");
  assertEquals((await registry.get("t.lazy")).id, "t.noop");
  await registry.get("t.lazy");
  assertEquals(calls, 2);
});
