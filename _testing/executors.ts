// Test-only executors (not shipped): each exercises one part of the runtime through the real
// program. `_testing/executors_main.ts` is the three-line entrypoint that registers them.
import { customErrorCode, StorageError, SystemError, UserError } from "../errors.ts";
import { defineExecutor, type Executor, literalOutputs } from "../executors/mod.ts";
import { FlyteDirectory, FlyteFile, StructuredDataset } from "../types/mod.ts";

/**
 * Echoes every input to the output of the same name. Files and folders are downloaded and
 * returned as new local copies, so that the runtime uploads them under the raw output prefix.
 */
export const echoExecutor = defineExecutor({
  id: "tests.echo",
  taskTypes: ["echo"],
  aliases: ["tests.executors.EchoExecutor"],
  description: "Returns its inputs as outputs",
  parseConfig: (custom) => ({ log: custom.log === true }),
  async execute(config, inputs, ctx) {
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(inputs)) {
      if (value instanceof FlyteFile) {
        const local = `${ctx.workDir}/${name}/${value.uri.split("/").pop()}`;
        await ctx.storage.download(value.uri, local, { signal: ctx.signal });
        out[name] = FlyteFile.fromLocal(local, { format: value.format });
      } else if (value instanceof FlyteDirectory) {
        const local = `${ctx.workDir}/${name}-dir`;
        await ctx.storage.downloadDir(value.uri, local, { signal: ctx.signal });
        out[name] = FlyteDirectory.fromLocal(local, { format: value.format });
      } else if (value instanceof StructuredDataset) {
        out[name] = new StructuredDataset({
          uri: value.uri,
          format: value.format,
          columns: value.columns,
        });
      } else {
        out[name] = value;
      }
    }
    if (config.log) ctx.logger.info("Echoing", { inputs: Object.keys(inputs) });
    ctx.logger.info("Execution identity", { ...ctx.execution, raw: ctx.rawOutputPrefix });
    return out;
  },
});

type FailKind =
  | "user"
  | "recoverable-user"
  | "system"
  | "storage"
  | "internal"
  | "bad-output"
  | "string-throw"
  | "unhandled-rejection"
  | "timer-throw";

const FAIL_KINDS: readonly FailKind[] = [
  "user",
  "recoverable-user",
  "system",
  "storage",
  "internal",
  "bad-output",
  "string-throw",
  "unhandled-rejection",
  "timer-throw",
];

/** Fails in the way its config names (`custom.kind`). */
export const failExecutor = defineExecutor({
  id: "tests.fail",
  taskTypes: ["fail"],
  parseConfig(custom) {
    const kind = custom.kind as FailKind;
    if (!FAIL_KINDS.includes(kind)) {
      throw new UserError(
        `Cannot read config key "kind": expected one of ${FAIL_KINDS.join(", ")}, found ${
          JSON.stringify(custom.kind ?? null)
        }`,
        { code: "USER:InvalidConfig" },
      );
    }
    return { kind };
  },
  execute(config) {
    switch (config.kind) {
      case "user":
        throw new UserError("Cannot run query: no such table: trackz", { code: "USER:SqlError" });
      case "recoverable-user":
        throw new UserError("Database is locked", {
          code: customErrorCode("USER:Busy"),
          recoverable: true,
        });
      case "system":
        throw new SystemError("Lost the database connection", {
          code: customErrorCode("SYSTEM:ConnectionLost"),
        });
      case "storage":
        throw new StorageError("read", "s3://bucket/db.sqlite", "connection reset by peer");
      case "internal":
        return Promise.resolve((null as unknown as { missing: () => void }).missing());
      case "bad-output":
        return Promise.resolve({ n: "not an integer" });
      case "string-throw":
        return Promise.reject("a bare string");
      case "unhandled-rejection":
        // A detached promise fails; the executor itself would wait forever.
        Promise.reject(
          new UserError("Background job failed", { code: customErrorCode("USER:Background") }),
        );
        return new Promise(() => {});
      case "timer-throw":
        setTimeout(() => {
          throw new TypeError("Timer callback failed");
        }, 1);
        return new Promise(() => {});
    }
  },
});

/** Reads the secret named in its config and returns its length; logs the value (redacted). */
export const secretExecutor = defineExecutor({
  id: "tests.secret",
  taskTypes: ["secret"],
  parseConfig: (custom) => ({ group: String(custom.group), key: String(custom.key) }),
  async execute(config, _inputs, ctx) {
    const value = await ctx.secrets.get({ group: config.group, key: config.key });
    ctx.logger.info(`Got secret ${value}`, { value });
    return { length: BigInt(value.length) };
  },
});

/** Waits until aborted; with `custom.ignoreSignal` it ignores the abort signal entirely. */
export const sleepExecutor = defineExecutor({
  id: "tests.sleep",
  taskTypes: ["sleep"],
  parseConfig: (custom) => ({ ignoreSignal: custom.ignoreSignal === true }),
  execute(config, _inputs, ctx) {
    ctx.logger.info("Sleeping");
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve({}), 60_000);
      if (!config.ignoreSignal) {
        ctx.signal.addEventListener("abort", () => {
          clearTimeout(timer);
          reject(ctx.signal.reason);
        }, { once: true });
      }
    });
  },
});

/**
 * Counts attempts through checkpoints: reads the previous count, saves count + 1 as bytes and a
 * file, and fails recoverably while the count is below `custom.succeedAt`.
 */
export const checkpointExecutor = defineExecutor({
  id: "tests.checkpoint",
  taskTypes: ["checkpoint"],
  parseConfig: (custom) => ({ succeedAt: Number(custom.succeedAt ?? 1) }),
  async execute(config, _inputs, ctx) {
    const checkpoint = ctx.checkpoint;
    if (!checkpoint) {
      throw new UserError("No checkpoint", { code: customErrorCode("USER:NoCheckpoint") });
    }
    const restored = await checkpoint.restore();
    let previous = 0n;
    if (restored) {
      previous = BigInt(await Deno.readTextFile(`${restored}/count.txt`));
    }
    const count = previous + 1n;
    const local = `${ctx.workDir}/count.txt`;
    await Deno.writeTextFile(local, String(count));
    await checkpoint.save(local);
    ctx.logger.info("Saved checkpoint", { count, destination: checkpoint.destination });
    if (count < config.succeedAt) {
      throw new SystemError(`Attempt ${count} interrupted`, {
        code: customErrorCode("SYSTEM:TestRetry"),
      });
    }
    return { count, previous: checkpoint.previous ?? "" };
  },
});

/** Returns a string output of `custom.bytes` bytes (offloading). */
export const bigExecutor = defineExecutor({
  id: "tests.big",
  taskTypes: ["big"],
  parseConfig: (custom) => ({ bytes: Number(custom.bytes) }),
  execute: (config) => Promise.resolve({ out: "x".repeat(config.bytes) }),
});

/** Returns a literal map as it is (outputs bypassing conversion). */
export const literalExecutor = defineExecutor({
  id: "tests.literal",
  taskTypes: ["literal"],
  parseConfig: () => ({}),
  execute: () =>
    Promise.resolve(literalOutputs({
      literals: { out: { scalar: { primitive: { stringValue: "raw literal" } } } },
    })),
});

/** Every test executor. */
export const TEST_EXECUTORS: readonly Executor<unknown>[] = [
  echoExecutor,
  failExecutor,
  secretExecutor,
  sleepExecutor,
  checkpointExecutor,
  bigExecutor,
  literalExecutor,
] as readonly Executor<unknown>[];
