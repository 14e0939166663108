// Shared pieces of the reliability suites: raw task.pb / inputs.pb bytes through the propeller
// harness, the invariant every run must satisfy, and valid seeds to damage.
import { assert, assertEquals } from "@std/assert";
import {
  encodeLiteralMap,
  encodeTaskTemplate,
  flyteidl,
  type LiteralMap,
  type TaskTemplate,
} from "../idl/mod.ts";
import { createStorage, type Storage } from "../storage/mod.ts";
import { Types, valuesToLiteralMap } from "../types/mod.ts";
import { type PropellerRunOptions, type PropellerRunResult, runPropeller } from "./propeller.ts";
import { TEST_PROGRAM, testTemplate } from "./runtime_fixtures.ts";

export const { RECOVERABLE, NON_RECOVERABLE } = flyteidl.core.ContainerError.Kind;
export const { USER, SYSTEM } = flyteidl.core.ExecutionError.ErrorKind;

/** An expected error document: code, kind and origin. */
export type Expected = [code: string, kind: number, origin: number];

/** Shorthands. */
export const userError = (code: string): Expected => [code, NON_RECOVERABLE, USER];
export const systemError = (code: string, recoverable = true): Expected => [
  code,
  recoverable ? RECOVERABLE : NON_RECOVERABLE,
  SYSTEM,
];

/**
 * Storage that writes the given bytes instead of what the harness encodes, for the object names
 * listed (`task.pb`, `inputs.pb`): how damaged files reach the program through the real layout.
 */
export function substitutingStorage(
  replace: { task?: Uint8Array; inputs?: Uint8Array },
  inner: Storage = createStorage(),
): Storage {
  return {
    ...inner,
    read: (uri, o) => inner.read(uri, o),
    download: (uri, p, o) => inner.download(uri, p, o),
    upload: (p, uri, o) => inner.upload(p, uri, o),
    exists: (uri, o) => inner.exists(uri, o),
    list: (uri, o) => inner.list(uri, o),
    uploadDir: (d, uri, o) => inner.uploadDir(d, uri, o),
    downloadDir: (uri, d, o) => inner.downloadDir(uri, d, o),
    write(uri, data, options) {
      if (replace.task && uri.endsWith("/task.pb")) data = replace.task;
      if (replace.inputs && uri.endsWith("/inputs.pb")) data = replace.inputs;
      return inner.write(uri, data, options);
    },
  };
}

/** A propeller run of the test program with damaged bytes in place of task.pb / inputs.pb. */
export async function runWithBytes(
  options: Omit<PropellerRunOptions, "program" | "storage"> & {
    task?: Uint8Array;
    inputsBytes?: Uint8Array;
  },
): Promise<PropellerRunResult> {
  return await runPropeller({
    program: TEST_PROGRAM,
    timeoutMs: 30_000,
    ...options,
    storage: substitutingStorage({ task: options.task, inputs: options.inputsBytes }),
  });
}

/**
 * The promise of every failed run: the expected error document, the exit code, a timestamp, and
 * no outputs.pb.
 */
export function assertFailed(run: PropellerRunResult, expected: Expected, exit: number): void {
  assert(
    run.error,
    `no error document (exit ${run.code}); files: ${run.files.join(", ")}\n${run.stderr}`,
  );
  assertEquals(
    [run.error.code, run.error.kind, run.error.origin],
    expected,
    run.error.message ?? "",
  );
  assertEquals(run.code, exit, run.stderr);
  assertEquals(run.files.includes("outputs.pb"), false, "outputs.pb after a failure");
  assert(run.error.timestamp?.seconds, "error document without a timestamp");
}

/** The echo task every byte-level case starts from: an integer, a string list and a map. */
export const ECHO_TYPES = {
  n: Types.integer,
  tags: Types.list(Types.string),
  scores: Types.map(Types.float),
};

/** The echo template for {@linkcode ECHO_TYPES}. */
export function echoTemplate(): TaskTemplate {
  const types = Object.fromEntries(
    Object.entries(ECHO_TYPES).map(([k, d]) => [k, d.literalType]),
  );
  return testTemplate("echo", "tests.echo", { inputs: types, outputs: types });
}

/** Valid inputs for {@linkcode echoTemplate}. */
export async function echoInputs(): Promise<LiteralMap> {
  return await valuesToLiteralMap(
    { n: 42n, tags: ["a", "bé", "ç"], scores: { x: 1.5, y: -2 } },
    ECHO_TYPES,
  );
}

/** The valid bytes the fuzzers start from. */
export async function echoSeeds(): Promise<{ task: Uint8Array; inputs: Uint8Array }> {
  return {
    task: encodeTaskTemplate(echoTemplate()),
    inputs: encodeLiteralMap(await echoInputs()),
  };
}

/** Writes a varint. */
export function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** A length-delimited field `field` holding `body`. */
export function lengthDelimited(field: number, body: Uint8Array): Uint8Array {
  const head = [(field << 3) | 2, ...varint(body.length)];
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/**
 * The `execute` arguments of a node laid out flat in one folder: `<dir>/task.pb`,
 * `<dir>/inputs.pb`, outputs in `<dir>/out` and, with `raw`, data in `<dir>/raw`.
 */
export function folderArgs(
  dir: string,
  executor: string,
  options: { raw?: boolean } = {},
): string[] {
  return [
    "--inputs",
    `${dir}/inputs.pb`,
    "--output-prefix",
    `${dir}/out`,
    ...(options.raw ? ["--raw-output-data-prefix", `${dir}/raw`] : []),
    "--",
    `${dir}/task.pb`,
    executor,
  ];
}
