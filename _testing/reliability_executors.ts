// Test-only executors of the reliability suites (not shipped): each reads a secret, then fails or
// leaks it in one way, so the suites can check that the runtime keeps the value out of every log
// line, error document and output. `_testing/reliability_main.ts` registers them.
import { customErrorCode, UserError } from "../errors.ts";
import { defineExecutor, type Executor } from "../executors/mod.ts";

/** The ways {@linkcode leakExecutor} fails after reading its secret. */
export const LEAKS = [
  "none",
  "message",
  "cause",
  "internal",
  "log-fields",
  "rejection",
  "timer",
  "abort",
] as const;

/** One of {@linkcode LEAKS}. */
export type Leak = typeof LEAKS[number];

/**
 * Reads the secret `custom.group`/`custom.key`, then leaks its value the way `custom.leak` says:
 * in an error message, a cause, an internal error's stack, log fields, a rejection nobody
 * awaits, a timer exception, or while waiting to be aborted. `none` returns its length.
 */
export const leakExecutor = defineExecutor({
  id: "tests.leak",
  taskTypes: ["leak"],
  parseConfig(custom) {
    const leak = custom.leak as Leak;
    if (!LEAKS.includes(leak)) {
      throw new UserError(`Cannot read config key "leak": found ${JSON.stringify(custom.leak)}`, {
        code: "USER:InvalidConfig",
      });
    }
    return { group: String(custom.group), key: String(custom.key), leak };
  },
  async execute(config, _inputs, ctx) {
    const value = await ctx.secrets.get({ group: config.group, key: config.key });
    ctx.logger.info("Read the secret", { length: value.length });
    switch (config.leak) {
      case "none":
        return { length: BigInt(value.length) };
      case "message":
        throw new UserError(`Cannot log in with password "${value}": denied`, {
          code: "USER:AuthenticationFailed",
        });
      case "cause":
        throw new UserError("Cannot connect", {
          code: "USER:AuthenticationFailed",
          cause: new Error(`server said: bad password ${value}`, {
            cause: new Error(`deeper: ${value}`),
          }),
        });
      case "internal":
        throw new TypeError(`Cannot read property of ${value}`);
      case "log-fields":
        ctx.logger.warn(`Connecting as ${value}`, { password: value, nested: { again: value } });
        ctx.logger.error("Failed", { error: new Error(`with ${value}`) });
        return { length: BigInt(value.length) };
      case "rejection":
        Promise.reject(
          new UserError(`Background job saw ${value}`, {
            code: customErrorCode("USER:Background"),
          }),
        );
        return await new Promise(() => {});
      case "timer":
        setTimeout(() => {
          throw new Error(`Timer saw ${value}`);
        }, 1);
        return await new Promise(() => {});
      case "abort":
        ctx.logger.info("Waiting to be aborted");
        return await new Promise((_, reject) => {
          const timer = setTimeout(() => reject(new Error("not aborted")), 30_000);
          ctx.signal.addEventListener("abort", () => {
            clearTimeout(timer);
            reject(new Error(`Aborted while holding ${value}`));
          }, { once: true });
        });
    }
  },
});

/**
 * Returns a string output (or, with `custom.where: "map-key"`, a map key) holding a lone
 * surrogate (an executor that cut a string in the middle of a surrogate pair), which UTF-8
 * cannot encode.
 */
export const loneSurrogateExecutor = defineExecutor({
  id: "tests.lone-surrogate",
  taskTypes: ["lone-surrogate"],
  parseConfig: (custom) => ({ where: custom.where === "map-key" ? "map-key" : "string" }),
  execute: (config) =>
    Promise.resolve(
      config.where === "map-key"
        ? { m: { "key cut in half: \ud83d": 1n } }
        : { s: "emoji cut in half: \ud83d" },
    ),
});

/** Every reliability test executor. */
export const RELIABILITY_EXECUTORS: readonly Executor<unknown>[] = [
  leakExecutor,
  loneSurrogateExecutor,
] as readonly Executor<unknown>[];
