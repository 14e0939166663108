// Local runs: the template is serialized and written as task.pb, the inputs as inputs.pb, and the
// runtime's own resolver and dispatch run it, exactly as `pyflyte-execute` does in the container.
import { dispatch } from "../entrypoint/dispatch.ts";
import { createCheckpoint } from "../entrypoint/checkpoint.ts";
import { createLogger, createRedactor, type Redactor } from "../entrypoint/logger.ts";
import { makeWorkDir } from "../entrypoint/work_dir.ts";
import { BUILTIN_EXECUTORS } from "../executors/builtin.ts";
import { createExecutorRegistry, type ExecutorRegistry, type Logger } from "../executors/mod.ts";
import {
  decodeLiteralMap,
  encodeLiteralMap,
  encodeTaskTemplate,
  type Literal,
  type LiteralMap,
  structToJson,
  type TaskTemplate,
  type Variable,
} from "../idl/mod.ts";
import { FLYTESHIM_RESOLVER, resolveTask } from "../resolver/mod.ts";
import { createSecrets } from "../secrets/mod.ts";
import { createStorage, joinUri, type Storage } from "../storage/mod.ts";
import { literalMapToValues, valuesToLiteralMap } from "../types/mod.ts";
import type { InferInputs, InferValues } from "../types/descriptors.ts";
import type { PrebuiltTask, RunOptions, VariableDescriptors } from "./types.ts";
import { toTaskTemplate } from "./serialize.ts";

/** The image written into templates of local runs of a task that has none. */
export const LOCAL_IMAGE = "flyteshim.local/placeholder:local";

/** Options of {@linkcode runTemplate}. */
export interface RunTemplateOptions extends RunOptions {
  /** The executor id or alias named in the container args, looked up in `registry`. */
  executor: string;
}

/** What {@linkcode runTemplate} returns. */
export interface TemplateRunResult {
  /** Outputs by name, converted by the template's output types. */
  outputs: Record<string, unknown>;
  /** The literal map of `outputs.pb`, as propeller would read it. */
  literals: LiteralMap;
  /** The run's folder (`task.pb`, `inputs.pb`, `outputs/outputs.pb`, `raw/`). */
  dir: string;
  /**
   * Whether the folder is still there: `dir` or `keep` was given, or an output's data is stored
   * in it. Otherwise it was removed once the outputs were read back.
   */
  kept: boolean;
}

function variablesOf(
  map: { variables?: { [key: string]: Variable } | null } | null | undefined,
): Record<string, Variable> {
  return { ...(map?.variables ?? {}) };
}

/**
 * Runs a task template in-process: writes it to `<dir>/task.pb` and the inputs (values) as a
 * literal map to `<dir>/inputs.pb`, loads both through flyteshim's resolver and the runtime's
 * `dispatch` (the container's code path) with `<dir>/raw` as the raw output prefix, then reads
 * `<dir>/outputs/outputs.pb` back into values.
 *
 * The run folder is removed afterwards, failed runs included, unless `dir` or `keep` is given,
 * or an output's data (a file, folder or dataset) is stored in it: the returned values point
 * there, so the folder is then kept and `kept` says so.
 *
 * @throws {FlyteshimError} What the run fails with, with the code it would have in `error.pb`;
 * anything else an executor throws (a plain `TypeError`, say) comes out as it is, unclassified
 * (`classifyError` from the entrypoint gives its `error.pb` code, `SYSTEM:Unknown`).
 * @example Run a template with an executor of one's own
 * ```ts
 * import { runTemplate } from "@flyteshim/flyteshim/task";
 * import { createExecutorRegistry, defineExecutor } from "@flyteshim/flyteshim/executors";
 * import { assertEquals } from "@std/assert";
 *
 * const add = defineExecutor({
 *   id: "example.add",
 *   taskTypes: ["add"],
 *   parseConfig: () => ({}),
 *   execute: (_config, inputs) =>
 *     Promise.resolve({ sum: (inputs.a as bigint) + (inputs.b as bigint) }),
 * });
 * const integer = { simple: 1 };
 * const result = await runTemplate(
 *   {
 *     type: "add",
 *     interface: {
 *       inputs: { variables: { a: { type: integer }, b: { type: integer } } },
 *       outputs: { variables: { sum: { type: integer } } },
 *     },
 *   },
 *   { a: 2, b: 3 },
 *   { executor: "example.add", registry: createExecutorRegistry([add]) },
 * );
 * assertEquals([result.outputs.sum, result.kept], [5n, false]);
 * ```
 *
 * @example Run a template with a registry of one's own
 * ```ts
 * import { runTemplate, type RunTemplateOptions } from "@flyteshim/flyteshim/task";
 * import { createExecutorRegistry, defineExecutor } from "@flyteshim/flyteshim/executors";
 * import { assertEquals } from "@std/assert";
 *
 * const hello = defineExecutor({
 *   id: "x.hello",
 *   taskTypes: ["hello"],
 *   parseConfig: () => ({}),
 *   execute: () => Promise.resolve({ text: "hi" }),
 * });
 * const options: RunTemplateOptions = {
 *   executor: "x.hello",
 *   registry: createExecutorRegistry([hello]),
 *   env: {},
 * };
 * const template = {
 *   type: "hello",
 *   interface: { outputs: { variables: { text: { type: { simple: 3 } } } } },
 * };
 * assertEquals((await runTemplate(template, {}, options)).outputs, { text: "hi" });
 * ```
 *
 * @example What a run wrote
 * ```ts
 * import { runTemplate, type TemplateRunResult } from "@flyteshim/flyteshim/task";
 * import { createExecutorRegistry, defineExecutor } from "@flyteshim/flyteshim/executors";
 * import { assertEquals } from "@std/assert";
 *
 * const hello = defineExecutor({
 *   id: "x.hello",
 *   taskTypes: ["hello"],
 *   parseConfig: () => ({}),
 *   execute: () => Promise.resolve({ text: "hi" }),
 * });
 * const template = {
 *   type: "hello",
 *   interface: { outputs: { variables: { text: { type: { simple: 3 } } } } },
 * };
 * const registry = createExecutorRegistry([hello]);
 * const result: TemplateRunResult = await runTemplate(template, {}, {
 *   executor: "x.hello",
 *   registry,
 *   keep: true,
 * });
 * assertEquals(result.literals.literals?.text.scalar?.primitive?.stringValue, "hi");
 * assertEquals((await Deno.stat(`${result.dir}/outputs/outputs.pb`)).isFile, true);
 * await Deno.remove(result.dir, { recursive: true });
 * ```
 */
export async function runTemplate(
  template: TaskTemplate,
  inputs: Record<string, unknown>,
  options: RunTemplateOptions,
): Promise<TemplateRunResult> {
  // One logger for the run and for saying where its folder is.
  const env = options.env ?? Deno.env.toObject();
  const logger = options.logger ?? localLogger(env);
  const run = await prepareRun(template, inputs, { ...options, env, logger });
  let result;
  try {
    result = await run.execute();
  } catch (error) {
    if (run.keep) logger.info("Run folder kept", { dir: run.dir });
    await run.dispose();
    throw error;
  }
  const kept = run.keep || holdsData(result.literals, run.dir);
  if (kept) logger.info("Run folder kept", { dir: run.dir });
  else await run.dispose();
  return { ...result, kept };
}

/** A local run with its folder laid out and its inputs converted, ready to execute. */
export interface PreparedRun {
  /** The run folder. */
  readonly dir: string;
  /** Whether the caller asked to keep the folder (`dir` or `keep`). */
  readonly keep: boolean;
  /** Runs the task once. */
  execute(): Promise<Omit<TemplateRunResult, "kept">>;
  /** Removes the run folder, unless the caller asked to keep it. */
  dispose(): Promise<void>;
}

/**
 * Lays out a local run (the folder, `task.pb`, `inputs.pb`): what fails here is the caller's
 * template or inputs (the command line reports it as a usage error), what fails in `execute`
 * is the task's. The folder is removed if preparing fails, unless the caller asked to keep it.
 */
export async function prepareRun(
  template: TaskTemplate,
  inputs: Record<string, unknown>,
  options: RunTemplateOptions,
): Promise<PreparedRun> {
  const storage = options.storage ?? createStorage();
  const registry = options.registry ?? createExecutorRegistry(BUILTIN_EXECUTORS);
  const env = options.env ?? Deno.env.toObject();
  const logger = options.logger ?? localLogger(env);
  const keep = options.dir !== undefined || options.keep === true;
  const dir = options.dir ?? await makeWorkDir("flyteshim-run-");
  const dispose = async () => {
    if (!keep) await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  const templateUri = joinUri(dir, "task.pb");
  const inputsUri = joinUri(dir, "inputs.pb");
  try {
    await Deno.mkdir(dir, { recursive: true });
    await storage.write(templateUri, encodeTaskTemplate(template));
    const literals = await valuesToLiteralMap(
      inputs,
      variablesOf(template.interface?.inputs),
      { storage, rawOutputPrefix: joinUri(dir, "inputs"), signal: options.signal, role: "input" },
    );
    await storage.write(inputsUri, encodeLiteralMap(literals));
  } catch (error) {
    await dispose();
    throw error;
  }
  return {
    dir,
    keep,
    dispose,
    execute: () => executeRun(dir, { ...options, storage, registry, env, logger }),
  };
}

async function executeRun(
  dir: string,
  options: RunTemplateOptions & {
    storage: Storage;
    registry: ExecutorRegistry;
    env: Record<string, string | undefined>;
    logger: Logger;
  },
): Promise<Omit<TemplateRunResult, "kept">> {
  const { storage, registry, env, logger } = options;
  const task = await resolveTask(FLYTESHIM_RESOLVER, [joinUri(dir, "task.pb"), options.executor], {
    storage,
    registry,
    signal: options.signal,
  });
  // As in the container: secret values never reach the logger or the error the caller gets.
  const redactor = createRedactor();
  // One scratch folder for the executor and the checkpoint (a previous checkpoint's download,
  // files being saved), as in the container; it goes when the run ends. The checkpoint is as
  // propeller gives one: this run saves to <dir>/checkpoint (removed with the run folder unless
  // it is kept), and reads the previous attempt's when one is passed in.
  const workDir = await makeWorkDir("flyteshim-");
  const checkpoint = createCheckpoint({
    destination: joinUri(dir, "checkpoint"),
    previous: options.previousCheckpoint,
    storage,
    workDir,
    signal: options.signal,
  });
  let result;
  try {
    result = await dispatch(task, {
      inputs: joinUri(dir, "inputs.pb"),
      outputPrefix: joinUri(dir, "outputs"),
      rawOutputPrefix: joinUri(dir, "raw"),
      storage,
      secrets: createSecrets({ env, onValue: (value) => redactor.add(value) }),
      logger: redactingLogger(logger, redactor),
      checkpoint,
      workDir,
      env,
      signal: options.signal,
    });
  } catch (error) {
    throw redactError(error, redactor);
  } finally {
    await Deno.remove(workDir, { recursive: true }).catch(() => {});
  }
  // Read outputs.pb back as propeller would, rather than trusting the in-memory map.
  const written = decodeLiteralMap(await storage.read(result.outputsUri));
  const outputs = await literalMapToValues(written, variablesOf(task.template.interface?.outputs), {
    storage,
    signal: options.signal,
    role: "output",
  });
  return { outputs, literals: written, dir };
}

const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;

/**
 * The logger of a local run: JSON lines on stderr as the image writes them, at the level of the
 * image's variable `FLYTESHIM_LOG_LEVEL`, else `fallback`.
 *
 * @throws {RangeError} When `FLYTESHIM_LOG_LEVEL` is not a level.
 */
export function localLogger(
  env: Record<string, string | undefined>,
  options: { fallback?: (typeof LOG_LEVELS)[number]; write?: (line: string) => void } = {},
): Logger {
  const given = env.FLYTESHIM_LOG_LEVEL?.trim().toLowerCase() || options.fallback || "warn";
  const level = LOG_LEVELS.find((l) => l === given);
  if (!level) {
    throw new RangeError(
      `Cannot use FLYTESHIM_LOG_LEVEL "${env.FLYTESHIM_LOG_LEVEL}": expected ${
        LOG_LEVELS.join(", ")
      }`,
    );
  }
  const write = options.write ??
    ((line: string) => Deno.stderr.writeSync(new TextEncoder().encode(`${line}\n`)));
  return createLogger({ level, write: (_level, line) => write(line) });
}

/**
 * Whether an output literal points at data inside the run folder: a blob, dataset or schema
 * there, or the folder's path inside a msgpack binary value (a dataclass holding files, such as
 * the OpenAI download task's result) or a generic struct.
 */
export function holdsData(map: LiteralMap, dir: string): boolean {
  const inside = (uri: string | null | undefined) =>
    !!uri && (uri === dir || uri.startsWith(`${dir}/`) || uri.startsWith(`file://${dir}/`));
  const visit = (literal: Literal | null | undefined, depth: number): boolean => {
    if (!literal || depth > 64) return false;
    const scalar = literal.scalar;
    if (
      inside(literal.offloadedMetadata?.uri) || inside(scalar?.blob?.uri) ||
      inside(scalar?.structuredDataset?.uri) || inside(scalar?.schema?.uri)
    ) return true;
    // A path in a msgpack value is its UTF-8 bytes as they are, so the bytes are searched
    // without decoding them; a struct is searched as its JSON text.
    const binary = scalar?.binary?.value;
    if (binary?.length && mentionsPath(new TextDecoder().decode(binary), dir)) return true;
    if (scalar?.generic && mentionsPath(JSON.stringify(structToJson(scalar.generic)), dir)) {
      return true;
    }
    if (scalar?.union?.value && visit(scalar.union.value, depth + 1)) return true;
    for (const item of literal.collection?.literals ?? []) if (visit(item, depth + 1)) return true;
    for (const item of Object.values(literal.map?.literals ?? {})) {
      if (visit(item, depth + 1)) return true;
    }
    return false;
  };
  return Object.values(map.literals ?? {}).some((literal) => visit(literal, 0));
}

/**
 * Whether `text` names `dir` or a path below it: an occurrence of `dir` not followed by a
 * character that would make it another name (`/tmp/run-1` is not in `/tmp/run-12`).
 */
function mentionsPath(text: string, dir: string): boolean {
  for (let at = text.indexOf(dir); at >= 0; at = text.indexOf(dir, at + 1)) {
    if (!/[\w.-]/.test(text.charAt(at + dir.length))) return true;
  }
  return false;
}

/** A copy of a log field value with every secret hidden, however deep it sits. */
function redactValue(value: unknown, redactor: Redactor, depth = 0): unknown {
  if (typeof value === "string") return redactor.redact(value);
  if (depth > 8 || value === null || typeof value !== "object") return value;
  if (value instanceof Error) {
    return { name: value.name, message: redactor.redact(value.message) };
  }
  if (Array.isArray(value)) return value.map((v) => redactValue(v, redactor, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, redactValue(v, redactor, depth + 1)]),
  );
}

function redactingLogger(logger: Logger, redactor: Redactor): Logger {
  const fields = (f?: Record<string, unknown>) =>
    f && redactValue(f, redactor) as Record<string, unknown>;
  return {
    debug: (m, f) => logger.debug(redactor.redact(m), fields(f)),
    info: (m, f) => logger.info(redactor.redact(m), fields(f)),
    warn: (m, f) => logger.warn(redactor.redact(m), fields(f)),
    error: (m, f) => logger.error(redactor.redact(m), fields(f)),
  };
}

/**
 * Hides secret values in an error's message and stack, and in those of its causes. A cause whose
 * properties cannot be written (postgres.js's errors) is replaced by a redacted copy of it.
 */
function redactError(error: unknown, redactor: Redactor, depth = 0): unknown {
  if (!(error instanceof Error) || depth > 8) return error;
  const cause = redactError(error.cause, redactor, depth + 1);
  const message = redactor.redact(error.message);
  const stack = error.stack === undefined ? undefined : redactor.redact(error.stack);
  const set = (key: "message" | "stack" | "cause", value: unknown) => {
    try {
      (error as unknown as Record<string, unknown>)[key] = value;
      return (error as unknown as Record<string, unknown>)[key] === value;
    } catch {
      return false;
    }
  };
  if (
    (message === error.message || set("message", message)) &&
    (stack === error.stack || set("stack", stack)) &&
    (cause === error.cause || set("cause", cause))
  ) {
    return error;
  }
  const copy = new Error(message, cause === undefined ? undefined : { cause });
  copy.name = error.name;
  copy.stack = stack;
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) Object.assign(copy, { code });
  return copy;
}

/** The registry a task's local run uses: the task's own executor value, or the given one. */
export function registryFor(
  task: PrebuiltTask,
  options: Pick<RunOptions, "registry">,
): ExecutorRegistry {
  const executor = task.options.executor;
  if (typeof executor !== "string") return createExecutorRegistry([executor]);
  return options.registry ?? createExecutorRegistry(BUILTIN_EXECUTORS);
}

/**
 * Runs a task definition locally (what `task.run(inputs)` does): the template goes through the
 * binary encoding, so `custom` is read back exactly as on the cluster (numbers as doubles).
 *
 * @example Numbers in custom come back as doubles
 * ```ts
 * import { defineTask, runTask } from "@flyteshim/flyteshim/task";
 * import { Types } from "@flyteshim/flyteshim/types";
 * import { defineExecutor } from "@flyteshim/flyteshim/executors";
 * import { assertEquals } from "@std/assert";
 *
 * const port = defineExecutor({
 *   id: "example.port",
 *   taskTypes: ["port"],
 *   parseConfig: (custom) => ({ port: custom.port }),
 *   execute: (config) => Promise.resolve({ kind: typeof config.port }),
 * });
 * const task = defineTask({
 *   name: "port",
 *   taskType: "port",
 *   executor: port,
 *   config: { port: 5432 },
 *   outputs: { kind: Types.string },
 * });
 * assertEquals(await runTask(task, {}), { kind: "number" });
 * ```
 */
export async function runTask<I extends VariableDescriptors, O extends VariableDescriptors>(
  task: PrebuiltTask<I, O>,
  inputs: InferInputs<I>,
  options: RunOptions = {},
): Promise<InferValues<O>> {
  const template = toTaskTemplate(task, { image: task.options.image ?? LOCAL_IMAGE });
  const { outputs } = await runTemplate(template, inputs as Record<string, unknown>, {
    ...options,
    executor: task.executorId,
    registry: registryFor(task, options),
  });
  return outputs as InferValues<O>;
}
