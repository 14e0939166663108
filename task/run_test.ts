import { assert, assertEquals, assertRejects } from "@std/assert";
import { UserError } from "../errors.ts";
import { createExecutorRegistry, defineExecutor } from "../executors/mod.ts";
import { jsonToStruct, type Literal, type LiteralMap } from "../idl/mod.ts";
import { holdsData, runTemplate } from "./run.ts";

const SECRET = "s3cr3t-value";

/** A local run of an executor that reads a secret and does what `execute` says with it. */
function leakyRun(
  execute: (token: string, log: (m: string, f: Record<string, unknown>) => void) => void,
) {
  const executor = defineExecutor({
    id: "test.leaky",
    taskTypes: ["leaky"],
    parseConfig: () => ({}),
    async execute(_config, _inputs, ctx) {
      const token = await ctx.secrets.get({ group: "api", key: "token" });
      execute(token, (m, f) => ctx.logger.info(m, f));
      return {};
    },
  });
  const lines: unknown[][] = [];
  const log = (...args: unknown[]) => void lines.push(args);
  const run = runTemplate({ type: "leaky", interface: {} }, {}, {
    executor: "test.leaky",
    registry: createExecutorRegistry([executor]),
    env: { _FSEC_API_TOKEN: SECRET },
    logger: { debug: log, info: log, warn: log, error: log },
  });
  return { run, lines };
}

Deno.test("runTemplate() keeps secret values out of logs and errors, as error.pb does", async () => {
  const { run, lines } = leakyRun((token, log) => {
    log(`connecting with ${token}`, { token, n: 1 });
    throw new UserError(`Cannot connect: bad token ${token}`, {
      code: "USER:AuthenticationFailed",
      cause: new Error(`server said: ${token} is wrong`),
    });
  });
  const error = await assertRejects(() => run, UserError);
  assertEquals(error.code, "USER:AuthenticationFailed");
  assertEquals(error.message, "Cannot connect: bad token ***");
  assertEquals((error.cause as Error).message, "server said: *** is wrong");
  assertEquals(error.stack?.includes(SECRET), false);
  assertEquals(JSON.stringify(lines).includes(SECRET), false, JSON.stringify(lines));
  assertEquals(lines.some(([m]) => m === "connecting with ***"), true, JSON.stringify(lines));
});

Deno.test("runTemplate() hides secrets in nested log fields, as the container's logger does", async () => {
  const { run, lines } = leakyRun((token, log) => {
    log("connecting", { args: { password: token }, hosts: [token], error: new Error(token) });
  });
  await run;
  const seen = JSON.stringify(lines, (_k, v) => v instanceof Error ? v.message : v);
  assert(!seen.includes(SECRET), `secret in log fields: ${seen}`);
  assert(seen.includes('"password":"***"'), seen);
});

Deno.test("runTemplate() hides secrets in a cause whose stack is read-only (postgres.js errors)", async () => {
  // postgres.js defines `stack` on its query errors as not writable: such a cause is replaced by
  // a redacted copy (same name and code).
  const { run } = leakyRun((token) => {
    const cause = new Error(`password authentication failed for user "${token}"`);
    Object.defineProperty(cause, "stack", { value: cause.stack, writable: false });
    Object.assign(cause, { code: "28P01" });
    throw new UserError("Cannot connect to the database", {
      code: "USER:AuthenticationFailed",
      cause,
    });
  });
  const error = await assertRejects(() => run, UserError);
  const cause = error.cause as Error & { code?: string };
  assert(!cause.message.includes(SECRET), cause.message);
  assert(!String(cause.stack).includes(SECRET), `secret in cause.stack: ${cause.stack}`);
  assertEquals(cause.code, "28P01");
});

Deno.test("holdsData() finds the run folder in blobs, msgpack binaries and generic structs", async () => {
  const { encode } = await import("@msgpack/msgpack");
  const dir = "/tmp/flyteshim-run-abc123";
  const file = `${dir}/raw/5b1f/results.jsonl`;
  const map = (literal: Literal): LiteralMap => ({ literals: { out: literal } });
  // A dataclass output (the OpenAI download task's BatchResult) holding a file of the run.
  const binary = (value: unknown): Literal => ({
    scalar: { binary: { value: encode(value), tag: "msgpack" } },
  });
  const batch = { output_file: { path: file, metadata: { format: "jsonl" } }, error_file: null };
  assert(holdsData(map(binary(batch)), dir));
  assert(holdsData(map(binary({ path: `file://${file}` })), dir));
  assert(holdsData(map({ collection: { literals: [binary({ path: dir })] } }), dir));
  assert(!holdsData(map(binary({ path: "s3://bucket/results.jsonl" })), dir));
  // Another run folder whose name starts with this one's is not this one.
  assert(!holdsData(map(binary({ path: `${dir}9/raw/x` })), dir));
  // A generic struct (a dataclass as JSON).
  const generic = (value: Record<string, unknown>): Literal => ({
    scalar: { generic: jsonToStruct(value as Parameters<typeof jsonToStruct>[0]) },
  });
  assert(holdsData(map(generic({ result: { files: [file] } })), dir));
  assert(!holdsData(map(generic({ result: { files: ["/elsewhere/x"] } })), dir));
  // Plain values are not data, blobs are.
  assert(!holdsData(map({ scalar: { primitive: { stringValue: "hi" } } }), dir));
  assert(holdsData(map({ scalar: { blob: { uri: file } } }), dir));
});
