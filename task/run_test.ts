import { assertEquals, assertRejects } from "@std/assert";
import { UserError } from "../errors.ts";
import { createExecutorRegistry, defineExecutor } from "../executors/mod.ts";
import { runTemplate } from "./run.ts";

const leaky = defineExecutor({
  id: "test.leaky",
  taskTypes: ["leaky"],
  parseConfig: () => ({}),
  async execute(_config, _inputs, ctx) {
    const token = await ctx.secrets.get({ group: "api", key: "token" });
    ctx.logger.info(`connecting with ${token}`, { token, n: 1 });
    throw new UserError(`Cannot connect: bad token ${token}`, {
      code: "USER:AuthenticationFailed",
      cause: new Error(`server said: ${token} is wrong`),
    });
  },
});

Deno.test("runTemplate() keeps secret values out of logs and errors, as error.pb does", async () => {
  const lines: unknown[][] = [];
  const log = (...args: unknown[]) => lines.push(args);
  const error = await assertRejects(
    () =>
      runTemplate({ type: "leaky", interface: {} }, {}, {
        executor: "test.leaky",
        registry: createExecutorRegistry([leaky]),
        env: { _FSEC_API_TOKEN: "s3cr3t-value" },
        logger: { debug: log, info: log, warn: log, error: log },
      }),
    UserError,
  );
  assertEquals(error.code, "USER:AuthenticationFailed");
  assertEquals(error.message, "Cannot connect: bad token ***");
  assertEquals((error.cause as Error).message, "server said: *** is wrong");
  assertEquals(error.stack?.includes("s3cr3t"), false);
  assertEquals(JSON.stringify(lines).includes("s3cr3t"), false, JSON.stringify(lines));
  assertEquals(lines.some(([m]) => m === "connecting with ***"), true, JSON.stringify(lines));
});
