// A harness that plays Flyte's propeller for one task node: it lays out the node's storage as
// propeller does, uploads task.pb and inputs.pb, renders the container args' placeholders, runs the
// program as a subprocess with the environment propeller sets, and returns what was left under the
// output prefix, decoded (docs/flyte-contract.md: storage layout, container args and placeholders,
// environment).
//
// Reusable by every suite that runs the real program: pass `program` (the command before the
// rendered args: `deno run <perms> entrypoint/main.ts` by default, or a bundle under dist/),
// `root` and `storage` for S3-backed layouts.
import { tempDir } from "./temp.ts";
import {
  decodeErrorDocument,
  decodeLiteral,
  decodeLiteralMap,
  encodeLiteralMap,
  encodeTaskTemplate,
  type ErrorDocument,
  fromInt64,
  type Literal,
  type LiteralMap,
  type TaskTemplate,
} from "../idl/mod.ts";
import { createStorage, joinUri, type Storage } from "../storage/mod.ts";
import { containerArgs } from "../task/serialize.ts";

const ROOT_DIR = new URL("../", import.meta.url).pathname.replace(/\/$/, "");

/** The permissions the flyteshim binary has (the `deno task execute` set). */
export const PROGRAM_PERMISSIONS: readonly string[] = [
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-net",
  "--allow-sys",
];

/**
 * The flags the program runs with (those of `deno task execute` and of the compiled binary): its
 * permissions, plus lazy loading of dynamic imports (Deno otherwise loads the module graph of
 * every `import("./literal.ts")` at start-up, executors and storage backends included, even when
 * they never run).
 */
export const PROGRAM_FLAGS: readonly string[] = [
  "--unstable-lazy-dynamic-imports",
  ...PROGRAM_PERMISSIONS,
];

/** `deno run <flags> <entry>`, the command before the rendered container args. */
export function denoProgram(entry: string): string[] {
  const path = entry.startsWith("/") ? entry : `${ROOT_DIR}/${entry}`;
  return [Deno.execPath(), "run", "--quiet", "--no-prompt", ...PROGRAM_FLAGS, path];
}

/** The shipped entrypoint with the built-in executors. */
export const DEFAULT_PROGRAM: readonly string[] = denoProgram("entrypoint/main.ts");

/**
 * The container args flytekit's `PythonCustomizedContainerTask` serializes
 * (docs/flyte-contract.md#container-args-and-placeholders), with `pyflyte-execute` first: the SDK's
 * flytekit-compatible args. Hand-crafted or odd args for negative tests go through `runPropeller`'s
 * `args` option instead.
 */
export function flytekitContainerArgs(executor: string): string[] {
  // The SDK's flytekit-compatible args keep the checkpoint flags (they run on flytekit's image
  // too); flytekit itself gives prebuilt-container tasks none.
  const args = containerArgs(executor, { flytekitCompatible: true });
  for (const flag of ["--checkpoint-path", "--prev-checkpoint"]) {
    const at = args.indexOf(flag);
    if (at >= 0) args.splice(at, 2);
  }
  return args;
}

/** The same, plus the checkpoint flags flytekit gives ordinary Python tasks. */
export function checkpointContainerArgs(executor: string): string[] {
  const args = flytekitContainerArgs(executor);
  const at = args.indexOf("--resolver");
  args.splice(
    at,
    0,
    "--checkpoint-path",
    "{{.checkpointOutputPrefix}}",
    "--prev-checkpoint",
    "{{.prevCheckpointPrefix}}",
  );
  return args;
}

/** What propeller substitutes for each placeholder. */
export interface PlaceholderValues {
  input: string;
  inputPrefix: string;
  outputPrefix: string;
  rawOutputDataPrefix: string;
  prevCheckpointPrefix: string;
  checkpointOutputPrefix: string;
  perRetryUniqueKey: string;
  taskTemplatePath?: string;
  namespace?: string;
  /** Input literals for `{{.Inputs.<name>}}`. */
  inputs?: LiteralMap;
}

function placeholder(name: string): RegExp {
  return new RegExp(`\\{\\{\\s*[.$]${name}\\s*\\}\\}`, "gi");
}

function renderInput(literal: Literal, name: string): string {
  if (literal.collection) {
    return `[${(literal.collection.literals ?? []).map((l) => renderInput(l, name)).join(",")}]`;
  }
  const scalar = literal.scalar;
  const p = scalar?.primitive;
  if (p) {
    if (p.integer !== undefined && p.integer !== null) return fromInt64(p.integer).toString();
    if (p.floatValue !== undefined && p.floatValue !== null) return String(p.floatValue);
    if (p.stringValue !== undefined && p.stringValue !== null) return p.stringValue;
    if (p.boolean !== undefined && p.boolean !== null) return String(p.boolean);
    if (p.datetime) {
      const ms = Number(fromInt64(p.datetime.seconds)) * 1000 +
        Math.floor((p.datetime.nanos ?? 0) / 1e6);
      return new Date(ms).toISOString().replace(".000Z", "Z");
    }
  }
  if (scalar?.blob?.uri) return scalar.blob.uri;
  if (scalar?.schema?.uri) return scalar.schema.uri;
  throw new TypeError(`Cannot render input "${name}": unsupported literal`);
}

/**
 * Renders container args as propeller's template engine does: case-insensitive names, `.` or `$`
 * sigil, spaces inside the braces, in propeller's order; `{{.prevCheckpointPrefix}}` without a
 * previous checkpoint is the two characters `""`.
 */
export function renderArgs(args: readonly string[], values: PlaceholderValues): string[] {
  return args.map((arg) => {
    let out = arg
      .replace(placeholder("input"), values.input)
      .replace(placeholder("outputPrefix"), values.outputPrefix)
      .replace(placeholder("inputPrefix"), values.inputPrefix)
      .replace(placeholder("rawOutputDataPrefix"), values.rawOutputDataPrefix)
      .replace(placeholder("prevCheckpointPrefix"), values.prevCheckpointPrefix || '""')
      .replace(placeholder("checkpointOutputPrefix"), values.checkpointOutputPrefix)
      .replace(placeholder("perRetryUniqueKey"), values.perRetryUniqueKey);
    if (values.taskTemplatePath !== undefined) {
      out = out.replace(placeholder("taskTemplatePath"), values.taskTemplatePath);
    }
    out = out.replace(placeholder("namespace"), values.namespace ?? "flytesnacks-development");
    return out.replace(
      /\{\{\s*[.$]inputs\.([A-Za-z0-9_]+)\s*\}\}/gi,
      (_, name: string) => {
        const literal = values.inputs?.literals?.[name];
        if (!literal) throw new TypeError(`Cannot render "{{.Inputs.${name}}}": no such input`);
        return renderInput(literal, name);
      },
    );
  });
}

/**
 * Propeller's per-retry key: leading non-letters become `a`, other runs of non-word characters `_`.
 */
export function perRetryUniqueKey(name: string): string {
  return name.replace(/^[^A-Za-z]+/, "a").replace(/[^A-Za-z0-9_]+/g, "_");
}

/** Unwraps collection outputs to their element type, as propeller's ArrayNode task reader does. */
export function arraySubTaskTemplate(template: TaskTemplate): TaskTemplate {
  const variables = { ...template.interface?.outputs?.variables };
  for (const [name, variable] of Object.entries(variables)) {
    if (variable.type?.collectionType) {
      variables[name] = { ...variable, type: variable.type.collectionType };
    }
  }
  return { ...template, interface: { ...template.interface, outputs: { variables } } };
}

/** Options of {@linkcode runPropeller}. */
export interface PropellerRunOptions {
  /** The task template; its `container.args` are rendered unless `args` is given. */
  template: TaskTemplate;
  /** The node's inputs; `null` writes no `inputs.pb`. @default {{literals: {}}} */
  inputs?: LiteralMap | null;
  /** Container args to render instead of the template's. */
  args?: readonly string[];
  /** The command before the rendered args. @default {DEFAULT_PROGRAM} */
  program?: readonly string[];
  /** Storage root: a local folder or an `s3://bucket/prefix`. @default {a new temp folder} */
  root?: string;
  /** Storage used to lay out the node and read results. @default {createStorage()} */
  storage?: Storage;
  /** Extra environment (execution env vars, S3 settings, secrets). */
  env?: Record<string, string>;
  /** Execution name, project, domain and node id. */
  execution?: { name?: string; project?: string; domain?: string; nodeId?: string };
  /** Attempt number; from 1 on, the previous attempt's checkpoint is rendered. @default {0} */
  attempt?: number;
  /** An explicit previous checkpoint (recovery), overriding the attempt rule. */
  prevCheckpoint?: string;
  /** Run as sub-node `index` of an ArrayNode (env pair, parent inputs, unwrapped outputs). */
  arrayIndex?: number;
  /** Offloading thresholds in MB (`_F_L_MIN_SIZE_MB`, `_F_L_MAX_SIZE_MB`). */
  offload?: { minMB: number; maxMB?: number };
  /** Send a signal once a stdout/stderr line matches. */
  interrupt?: { when: RegExp; signal?: Deno.Signal };
  /** Kill the program after this long. @default {60000} */
  timeoutMs?: number;
}

/** Where propeller put things for this node. */
export interface NodePaths {
  dataDir: string;
  inputs: string;
  taskTemplate: string;
  outputPrefix: string;
  rawOutputPrefix: string;
  checkpoint: string;
  prevCheckpoint: string;
}

/** What a run left behind. */
export interface PropellerRunResult {
  /** The process exit code. */
  code: number;
  /** The signal that ended it, if any. */
  signal: Deno.Signal | null;
  stdout: string;
  stderr: string;
  /** The rendered container args. */
  args: string[];
  /** The environment the program got (beyond PATH/HOME). */
  env: Record<string, string>;
  paths: NodePaths;
  /** Object names below the output prefix, sorted. */
  files: string[];
  /** The decoded `outputs.pb`, if written. */
  outputs?: LiteralMap;
  /** The decoded error document (`error.pb` or `error-*.pb`), if written. */
  error?: ErrorDocument["error"];
  /** Its file name. */
  errorFile?: string;
  /** From the interrupt signal to the end of the process, in milliseconds. */
  msAfterInterrupt?: number;
  /** Wall time of the process, in milliseconds. */
  ms: number;
  /** Reads and decodes `<output prefix>/<name>` as a literal (offloaded outputs). */
  readLiteral(name: string): Promise<Literal>;
  /** Storage the run used. */
  storage: Storage;
}

/** Lays out the node as propeller does (docs/flyte-contract.md#storage-layout). */
export function nodePaths(
  root: string,
  options: Pick<PropellerRunOptions, "execution" | "attempt" | "prevCheckpoint" | "arrayIndex">,
): NodePaths {
  const project = options.execution?.project ?? "flytesnacks";
  const domain = options.execution?.domain ?? "development";
  const name = options.execution?.name ?? "f6a2b8c1d9e0";
  const nodeId = options.execution?.nodeId ?? "n0";
  const attempt = options.attempt ?? 0;
  const dataDir = joinUri(
    root,
    "metadata/propeller",
    `${project}-${domain}-${name}`,
    nodeId,
    "data",
  );
  const rawFor = (a: number) => {
    const id = options.arrayIndex === undefined
      ? `${name}-${nodeId}-${a}`
      : `${name}-${nodeId}-0-n${options.arrayIndex}-${a}`;
    return joinUri(root, "data", "k3", id);
  };
  const raw = rawFor(attempt);
  return {
    dataDir,
    inputs: joinUri(dataDir, "inputs.pb"),
    taskTemplate: joinUri(dataDir, "task.pb"),
    outputPrefix: options.arrayIndex === undefined
      ? joinUri(dataDir, String(attempt))
      : joinUri(dataDir, "0", String(options.arrayIndex), String(attempt)),
    rawOutputPrefix: raw,
    checkpoint: joinUri(raw, "_flytecheckpoints"),
    prevCheckpoint: options.prevCheckpoint ??
      (attempt > 0 ? joinUri(rawFor(attempt - 1), "_flytecheckpoints") : ""),
  };
}

/** The environment propeller injects into the task pod (docs/flyte-contract.md#environment). */
export function propellerEnv(
  template: TaskTemplate,
  options: Pick<PropellerRunOptions, "execution" | "attempt" | "arrayIndex" | "offload" | "env">,
): Record<string, string> {
  const env: Record<string, string> = {
    FLYTE_INTERNAL_EXECUTION_WORKFLOW: "flytesnacks.workflows.wf",
    FLYTE_INTERNAL_EXECUTION_ID: options.execution?.name ?? "f6a2b8c1d9e0",
    FLYTE_INTERNAL_EXECUTION_PROJECT: options.execution?.project ?? "flytesnacks",
    FLYTE_INTERNAL_EXECUTION_DOMAIN: options.execution?.domain ?? "development",
    FLYTE_ATTEMPT_NUMBER: String(options.attempt ?? 0),
    FLYTE_INTERNAL_TASK_PROJECT: template.id?.project ?? "flytesnacks",
    FLYTE_INTERNAL_TASK_DOMAIN: template.id?.domain ?? "development",
    FLYTE_INTERNAL_TASK_NAME: template.id?.name ?? "task",
    FLYTE_INTERNAL_TASK_VERSION: template.id?.version ?? "v1",
  };
  if (options.offload) {
    env._F_L_MIN_SIZE_MB = String(options.offload.minMB);
    if (options.offload.maxMB !== undefined) env._F_L_MAX_SIZE_MB = String(options.offload.maxMB);
  }
  if (options.arrayIndex !== undefined) {
    env.BATCH_JOB_ARRAY_INDEX_VAR_NAME = "FLYTE_K8S_ARRAY_INDEX";
    env.FLYTE_K8S_ARRAY_INDEX = String(options.arrayIndex);
  }
  for (const kv of template.container?.env ?? []) {
    if (kv.key) env[kv.key] = kv.value ?? "";
  }
  return { ...env, ...options.env };
}

/** The few host variables a subprocess needs to run Deno at all. */
function hostEnv(): Record<string, string> {
  const out: Record<string, string> = { DENO_NO_UPDATE_CHECK: "1" };
  for (
    const name of ["PATH", "HOME", "DENO_DIR", "TMPDIR", "XDG_CACHE_HOME", "NPM_CONFIG_REGISTRY"]
  ) {
    const value = Deno.env.get(name);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

async function collect(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<string> {
  let text = "";
  let pending = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    text += chunk;
    pending += chunk;
    let nl;
    while ((nl = pending.indexOf("\n")) >= 0) {
      onLine(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
    }
  }
  if (pending) onLine(pending);
  return text;
}

/** A temporary storage root, removed when the test module ends. */
function tempRoot(): Promise<string> {
  return tempDir({ prefix: "flyteshim-propeller-" });
}

/** A node laid out in storage, ready to run. */
export interface PreparedNode {
  /** Where propeller put things. */
  paths: NodePaths;
  /** The rendered container args. */
  args: string[];
  /** The environment propeller sets. */
  env: Record<string, string>;
  /** Storage the node was laid out with. */
  storage: Storage;
}

/**
 * Lays out a node as propeller does, without running anything: uploads `task.pb` and
 * `inputs.pb`, renders the args and builds the environment.
 */
export async function prepareNode(options: PropellerRunOptions): Promise<PreparedNode> {
  const root = options.root ?? await tempRoot();
  const storage = options.storage ?? createStorage();
  const paths = nodePaths(root, options);
  const template = options.arrayIndex === undefined
    ? options.template
    : arraySubTaskTemplate(options.template);
  // Propeller uploads the template when {{.taskTemplatePath}} appears, and the inputs always.
  await storage.write(paths.taskTemplate, encodeTaskTemplate(template));
  if (options.inputs !== null) {
    await storage.write(paths.inputs, encodeLiteralMap(options.inputs ?? { literals: {} }));
  }
  const args = renderArgs(options.args ?? options.template.container?.args ?? [], {
    input: paths.inputs,
    inputPrefix: paths.dataDir,
    outputPrefix: paths.outputPrefix,
    rawOutputDataPrefix: paths.rawOutputPrefix,
    prevCheckpointPrefix: paths.prevCheckpoint,
    checkpointOutputPrefix: paths.checkpoint,
    perRetryUniqueKey: perRetryUniqueKey(
      `${options.execution?.name ?? "f6a2b8c1d9e0"}-${options.execution?.nodeId ?? "n0"}-${
        options.attempt ?? 0
      }`,
    ),
    taskTemplatePath: paths.taskTemplate,
    inputs: options.inputs ?? undefined,
  });
  return { paths, args, env: propellerEnv(options.template, options), storage };
}

/** Options of {@linkcode runNode}. */
export type RunNodeOptions = Pick<PropellerRunOptions, "program" | "interrupt" | "timeoutMs">;

/**
 * Runs one task node the way propeller does and returns what it left under the output prefix.
 */
export async function runPropeller(options: PropellerRunOptions): Promise<PropellerRunResult> {
  return await runNode(await prepareNode(options), options);
}

/** Runs the program on a prepared node and reads back what it left under the output prefix. */
export async function runNode(
  node: PreparedNode,
  options: RunNodeOptions = {},
): Promise<PropellerRunResult> {
  const { paths, args, env, storage } = node;
  const program = options.program ?? DEFAULT_PROGRAM;
  const started = performance.now();
  const child = new Deno.Command(program[0], {
    args: [...program.slice(1), ...args],
    env: { ...hostEnv(), ...env },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let interrupted = false;
  let interruptedAt: number | undefined;
  const onLine = (line: string) => {
    if (!interrupted && options.interrupt?.when.test(line)) {
      interrupted = true;
      interruptedAt = performance.now();
      signalChild(child, options.interrupt.signal ?? "SIGTERM");
    }
  };
  const timer = setTimeout(() => signalChild(child, "SIGKILL"), options.timeoutMs ?? 60_000);
  const [stdout, stderr, status] = await Promise.all([
    collect(child.stdout, onLine),
    collect(child.stderr, onLine),
    child.status,
  ]);
  clearTimeout(timer);
  const ended = performance.now();
  const ms = ended - started;

  const prefix = joinUri(paths.outputPrefix);
  const files = (await storage.list(prefix).catch(() => [] as string[]))
    .map((uri) => uri.slice(prefix.length + 1))
    .sort();
  let outputs: LiteralMap | undefined;
  if (files.includes("outputs.pb")) {
    outputs = decodeLiteralMap(await storage.read(joinUri(prefix, "outputs.pb")));
  }
  const errorFile = files.find((f) => /^error(-[0-9a-f]+)?\.pb$/.test(f));
  const error = errorFile
    ? decodeErrorDocument(await storage.read(joinUri(prefix, errorFile))).error ?? undefined
    : undefined;
  return {
    code: status.code,
    signal: status.signal,
    stdout,
    stderr,
    args,
    env,
    paths,
    files,
    outputs,
    error,
    errorFile,
    ms,
    msAfterInterrupt: interruptedAt === undefined ? undefined : ended - interruptedAt,
    readLiteral: async (name) => decodeLiteral(await storage.read(joinUri(prefix, name))),
    storage,
  };
}

/**
 * Sends a signal to a child that may have exited on its own in the meantime (its status settled,
 * its pipes still draining): a kill that comes too late is no error.
 */
function signalChild(child: Deno.ChildProcess, signal: Deno.Signal): void {
  try {
    child.kill(signal);
  } catch (error) {
    if (!(error instanceof TypeError && /already terminated/.test(error.message))) throw error;
  }
}
