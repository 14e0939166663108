// A harness that plays Flyte 2's backend for one action, without Kubernetes: flyte-sdk's own
// Docker-free round trip (serialize, write inputs.pb as Inputs, render the args, spawn, read the
// files), with the paths, placeholders and environment of flyteorg/flyte (main, 6fadb90d65af):
//
// - inputs: the run service writes `flyteidl2.task.Inputs` to `<storage>/<project>/<domain>/<run>/
//   inputs/inputs.pb` (runs/service/run_service.go, buildInputPrefix and WriteProtobuf);
// - outputs: `<scheme>://<bucket>/<shard>/<rest of the run output base>/<action>/<attempt>`, the
//   attempt counting from 1 (executor/pkg/plugin/task_exec_context.go, ComputeActionOutputPath);
//   raw data under the output prefix itself (NewRawOutputPaths(outputPrefix)); the checkpoint in
//   `<raw>/_flytecheckpoints`, the previous one only from attempt 2;
// - args: the template engine renders {{.input}}, {{.outputPrefix}}, {{.rawOutputDataPrefix}},
//   {{.checkpointOutputPrefix}}, {{.prevCheckpointPrefix}} (`""` when none) and
//   {{.taskTemplatePath}} (`inline://taskTemplate`); {{.runStartTime}} is replaced when the action
//   is created (actions/k8s/client.go); {{.runName}} and {{.actionName}} are left as they are;
// - environment: ACTION_NAME, RUN_NAME, _U_RUN_BASE, _U_ORG_NAME=local
//   (executor/pkg/plugin/task_exec_metadata.go) and the FLYTE_INTERNAL_* set, _F_PN and
//   FLYTE_ATTEMPT_NUMBER (flyteplugins/.../flytek8s/k8s_resource_adds.go);
// - outcome: a non-zero exit is a retryable failure and error.pb is not read; after exit 0,
//   error.pb decides (RECOVERABLE: retryable, else permanent), otherwise outputs.pb is read as a
//   LiteralMap, unconditionally (executor/pkg/plugin/k8s/plugin_manager.go;
//   ioutils/remote_file_output_reader.go).
import { tempDir } from "./temp.ts";
import { decodeLiteralMap, type LiteralMap } from "../idl/core.ts";
import {
  decodeFlyte2ErrorDocument,
  decodeOutputs,
  encodeInputs,
  type Flyte2ErrorDocument,
  type Flyte2TaskSpec,
  flyteidl2,
  type Inputs,
  type Outputs,
} from "../idl/flyte2.ts";
import { createStorage, joinUri, type Storage } from "../storage/mod.ts";
import {
  type PreparedNode,
  type PropellerRunResult,
  renderArgs,
  runNode,
  type RunNodeOptions,
} from "./propeller.ts";

/** Options of {@linkcode runFlyte2Action}. */
export interface Flyte2ActionOptions extends RunNodeOptions {
  /** The deployed task (from `toFlyte2TaskSpec`). */
  spec: Flyte2TaskSpec;
  /** The run's inputs, written as `flyteidl2.task.Inputs`; `null` writes none. */
  inputs?: Inputs | null;
  /** Container args to render instead of the spec's. */
  args?: readonly string[];
  /** Storage root (the backend's storage prefix). @default {a new temp folder} */
  root?: string;
  /** Storage to lay out the action and read results with. @default {createStorage()} */
  storage?: Storage;
  /** Extra environment (secrets, storage settings). */
  env?: Record<string, string>;
  /** Run and action names. @default {"rxk2m4q9z1", "a0"} */
  run?: string;
  action?: string;
  /** Attempt, from 1. @default {1} */
  attempt?: number;
}

/** What the backend would conclude, from the pod's exit and the files (see the header). */
export type Flyte2Outcome =
  | { phase: "Success"; outputs: LiteralMap }
  | { phase: "RetryableFailure" | "PermanentFailure"; code: string; origin: number }
  | { phase: "PodFailure"; exitCode: number }
  | { phase: "OutputsUnreadable"; detail: string };

/** What an action left behind, read with Flyte 2's types. */
export interface Flyte2ActionResult extends PropellerRunResult {
  /** `outputs.pb` decoded as `flyteidl2.task.Outputs`. */
  flyte2Outputs?: Outputs;
  /** `error.pb` decoded as `flyteidl2.core.ErrorDocument`. */
  flyte2Error?: Flyte2ErrorDocument["error"];
  /** The raw bytes of `outputs.pb` and `error.pb`, when written. */
  outputsBytes?: Uint8Array;
  errorBytes?: Uint8Array;
  /** The backend's conclusion. */
  outcome: Flyte2Outcome;
}

/** A temporary storage root, removed when the test module ends. */
function tempRoot(): Promise<string> {
  return tempDir({ prefix: "flyteshim-flyte2-" });
}

/**
 * Lays out one action as Flyte 2's backend does, without running anything: writes inputs.pb,
 * renders the args and builds the pod's environment.
 */
export async function prepareFlyte2Action(options: Flyte2ActionOptions): Promise<PreparedNode> {
  const storage = options.storage ?? createStorage();
  const root = options.root ?? await tempRoot();
  const project = "flytesnacks";
  const domain = "development";
  const run = options.run ?? "rxk2m4q9z1";
  const action = options.action ?? "a0";
  const attempt = options.attempt ?? 1;
  const runBase = `${joinUri(root, project, domain, run)}/`;
  const inputPrefix = joinUri(root, project, domain, run, "inputs");
  const outputFor = (a: number) => joinUri(root, "k3", project, domain, run, action, String(a));
  const outputPrefix = outputFor(attempt);
  const inputsUri = joinUri(inputPrefix, "inputs.pb");
  let inputsMap: LiteralMap | undefined;
  if (options.inputs !== null) {
    const bytes = encodeInputs(options.inputs ?? {});
    await storage.write(inputsUri, bytes);
    inputsMap = decodeLiteralMap(bytes);
  }
  const template = options.spec.taskTemplate;
  const startTime = "2026-12-06T21:00:00Z";
  const args = renderArgs(
    (options.args ?? template?.container?.args ?? []).map((a) =>
      a.replace(/\{\{\s*\.runStartTime\s*\}\}/gi, startTime)
    ),
    {
      input: inputsUri,
      inputPrefix,
      outputPrefix,
      rawOutputDataPrefix: outputPrefix,
      checkpointOutputPrefix: joinUri(outputPrefix, "_flytecheckpoints"),
      prevCheckpointPrefix: attempt >= 2
        ? joinUri(outputFor(attempt - 1), "_flytecheckpoints")
        : "",
      perRetryUniqueKey: `${run}-${action}-${attempt}`,
      taskTemplatePath: "inline://taskTemplate",
      inputs: inputsMap,
    },
  );
  const id = template?.id;
  const env: Record<string, string> = {
    ACTION_NAME: action,
    RUN_NAME: run,
    _U_RUN_BASE: runBase,
    _U_ORG_NAME: "local",
    FLYTE_INTERNAL_EXECUTION_ID: run,
    FLYTE_INTERNAL_EXECUTION_PROJECT: project,
    FLYTE_INTERNAL_EXECUTION_DOMAIN: domain,
    _F_PN: `${run}-${action}-${attempt - 1}`,
    FLYTE_ATTEMPT_NUMBER: String(attempt - 1),
    FLYTE_INTERNAL_TASK_PROJECT: id?.project || project,
    FLYTE_INTERNAL_TASK_DOMAIN: id?.domain || domain,
    FLYTE_INTERNAL_TASK_NAME: id?.name ?? "",
    FLYTE_INTERNAL_TASK_VERSION: id?.version ?? "",
    FLYTE_INTERNAL_PROJECT: id?.project || project,
    FLYTE_INTERNAL_DOMAIN: id?.domain || domain,
    FLYTE_INTERNAL_NAME: id?.name ?? "",
    FLYTE_INTERNAL_VERSION: id?.version ?? "",
  };
  for (const kv of template?.container?.env ?? []) {
    if (kv.key) env[kv.key] = kv.value ?? "";
  }
  Object.assign(env, options.env);
  return {
    paths: {
      dataDir: inputPrefix,
      inputs: inputsUri,
      taskTemplate: "inline://taskTemplate",
      outputPrefix,
      rawOutputPrefix: outputPrefix,
      checkpoint: joinUri(outputPrefix, "_flytecheckpoints"),
      prevCheckpoint: "",
    },
    args,
    env,
    storage,
  };
}

/** Runs one action the way Flyte 2's executor starts its pod, and reads what it left. */
export async function runFlyte2Action(options: Flyte2ActionOptions): Promise<Flyte2ActionResult> {
  const node = await prepareFlyte2Action(options);
  const { storage } = node;
  const { outputPrefix } = node.paths;
  const result = await runNode(node, options);
  const read = async (name: string) =>
    result.files.includes(name) ? await storage.read(joinUri(outputPrefix, name)) : undefined;
  const outputsBytes = await read("outputs.pb");
  const errorBytes = await read("error.pb");
  const flyte2Outputs = outputsBytes ? decodeOutputs(outputsBytes) : undefined;
  const flyte2Error = errorBytes ? decodeFlyte2ErrorDocument(errorBytes).error : undefined;
  let outcome: Flyte2Outcome;
  if (result.code !== 0) outcome = { phase: "PodFailure", exitCode: result.code };
  else if (flyte2Error) {
    outcome = {
      phase: flyte2Error.kind === flyteidl2.core.ContainerError.Kind.RECOVERABLE
        ? "RetryableFailure"
        : "PermanentFailure",
      code: flyte2Error.code ?? "",
      origin: flyte2Error.origin ?? 0,
    };
  } else if (!outputsBytes) {
    outcome = { phase: "OutputsUnreadable", detail: "outputs.pb does not exist" };
  } else {
    outcome = { phase: "Success", outputs: decodeLiteralMap(outputsBytes) };
  }
  return { ...result, flyte2Outputs, flyte2Error, outputsBytes, errorBytes, outcome };
}

/** The value of a named output in Flyte 2's Outputs. */
export function outputNamed(outputs: Outputs | undefined, name: string) {
  return outputs?.literals?.find((l) => l.name === name)?.value ?? undefined;
}
