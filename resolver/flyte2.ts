/**
 * Flyte 2's resolver: the task travels in the container args. Flyte 2's backend keeps the task
 * template inside its TaskAction object and renders `{{.taskTemplatePath}}` to the constant
 * `inline://taskTemplate`: nothing is uploaded for the container to read. flyteshim therefore
 * puts what its executors need (a subset of the TaskTemplate: id, type, interface, custom,
 * config, security context) into one argument, versioned, checksummed, and compressed when large.
 *
 * @example Resolve an inline task
 * ```ts
 * import {
 *   encodeInlineTemplate,
 *   inlineLoaderArgs,
 *   resolveInlineTask,
 * } from "@flyteshim/flyteshim/resolver/flyte2";
 * import { createExecutorRegistry, defineExecutor } from "@flyteshim/flyteshim/executors";
 * import { createStorage } from "@flyteshim/flyteshim/storage";
 * import { assertEquals } from "@std/assert";
 *
 * const noop = defineExecutor({
 *   id: "example.noop",
 *   taskTypes: ["noop"],
 *   parseConfig: () => ({}),
 *   execute: () => Promise.resolve(),
 * });
 * const args = inlineLoaderArgs("example.noop", await encodeInlineTemplate({ type: "noop" }));
 * const task = await resolveInlineTask(undefined, args, {
 *   storage: createStorage(),
 *   registry: createExecutorRegistry([noop]),
 * });
 * assertEquals(task.executor.id, "example.noop");
 * ```
 *
 * @module
 */
import { UserError } from "../errors.ts";
import type { ExecutorRegistry } from "../executors/mod.ts";
import { decodeTaskTemplate, encodeTaskTemplate, type TaskTemplate } from "../idl/core.ts";
import type { Storage } from "../storage/mod.ts";
import { checkResolver, loadExecutor, type ResolvedTask, resolveTask } from "./mod.ts";

/** What `{{.taskTemplatePath}}` renders to on Flyte 2 (no file behind it). */
export const FLYTE2_TEMPLATE_PATH = "inline://taskTemplate";

/**
 * The version prefix of an inline template: `fs1.<codec>.<payload>.<check>`, where payload is
 * base64url (no padding) of the binary TaskTemplate, as it is (codec `b`) or raw-deflated (codec
 * `z`, used only when the plain form would be longer than
 * {@linkcode INLINE_DEFLATE_ABOVE_BYTES}: inflating costs a run about 10 ms of start-up), and
 * check is base64url of the CRC-32 (IEEE, big-endian) of the payload bytes: computed in
 * place, where WebCrypto's digest would cost a run the latency of a trip to a worker thread.
 */
export const INLINE_TEMPLATE_VERSION = "fs1";

/**
 * The longest inline template accepted, in characters: Linux refuses to start a program with
 * any single argument of 128 KiB or more (`MAX_ARG_STRLEN`, 32 pages of 4 KiB, counting the
 * terminating NUL), so one byte less than that. The serializer refuses larger values, so that a
 * task that cannot start is never registered.
 */
export const MAX_INLINE_TEMPLATE_CHARS = 131_071;

/** The largest decompressed template accepted, in bytes (a guard against deflate bombs). */
export const MAX_INLINE_TEMPLATE_BYTES = 4 * 1024 * 1024;

/**
 * Templates larger than this (in bytes) are deflated when inlined; smaller ones are not, so that
 * their runs do not pay for inflating.
 */
export const INLINE_DEFLATE_ABOVE_BYTES = 16 * 1024;

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE 802.3, reflected, as zip and PNG use it). */
function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** The template fields an executor reads; the rest (container, metadata) stays out of the args. */
function subset(template: TaskTemplate): TaskTemplate {
  const out: TaskTemplate = {};
  if (template.id) out.id = template.id;
  if (template.type) out.type = template.type;
  if (template.taskTypeVersion) out.taskTypeVersion = template.taskTypeVersion;
  if (template.interface) out.interface = template.interface;
  if (template.custom) out.custom = template.custom;
  if (template.config && Object.keys(template.config).length) out.config = template.config;
  if (template.securityContext) out.securityContext = template.securityContext;
  return out;
}

function toBase64Url(bytes: Uint8Array): string {
  return bytes.toBase64({ alphabet: "base64url", omitPadding: true });
}

function fromBase64Url(text: string): Uint8Array | undefined {
  // The alphabet alone: the built-in would also skip whitespace and accept padding.
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    return Uint8Array.fromBase64(text, { alphabet: "base64url" });
  } catch {
    return undefined;
  }
}

async function pipe(
  bytes: Uint8Array,
  stream: CompressionStream | DecompressionStream,
  limit = Infinity,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const writer = stream.writable.getWriter();
  writer.write(bytes as Uint8Array<ArrayBuffer>).catch(() => {});
  writer.close().catch(() => {});
  const reader = stream.readable.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw new RangeError(`more than ${limit} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

function checkOf(payload: Uint8Array): string {
  const check = new Uint8Array(4);
  new DataView(check.buffer).setUint32(0, crc32(payload));
  return toBase64Url(check);
}

/**
 * Encodes the part of a task template an executor needs (id, type, interface, custom, config,
 * security context) as one container argument: `fs1.<base64url deflate-raw>.<check>`.
 *
 * @throws {RangeError} When the value would be longer than
 * {@linkcode MAX_INLINE_TEMPLATE_CHARS}.
 * @example Encode and decode
 * ```ts
 * import {
 *   decodeInlineTemplate,
 *   encodeInlineTemplate,
 * } from "@flyteshim/flyteshim/resolver/flyte2";
 * import { assertEquals } from "@std/assert";
 *
 * const value = await encodeInlineTemplate({ type: "sqlite", container: { image: "left:out" } });
 * assertEquals(value.startsWith("fs1.b."), true);
 * const template = await decodeInlineTemplate(value);
 * assertEquals([template.type, template.container], ["sqlite", null]);
 * ```
 */
export async function encodeInlineTemplate(template: TaskTemplate): Promise<string> {
  const bytes = encodeTaskTemplate(subset(template));
  const deflate = bytes.length > INLINE_DEFLATE_ABOVE_BYTES;
  const payload = deflate ? await pipe(bytes, new CompressionStream("deflate-raw")) : bytes;
  const value = `${INLINE_TEMPLATE_VERSION}.${deflate ? "z" : "b"}.${toBase64Url(payload)}.${
    checkOf(
      payload,
    )
  }`;
  if (value.length > MAX_INLINE_TEMPLATE_CHARS) {
    throw new RangeError(
      `Cannot inline the task template: ${value.length} characters, more than the ${MAX_INLINE_TEMPLATE_CHARS} one container argument may hold`,
    );
  }
  return value;
}

function invalid(detail: string, cause?: unknown): UserError {
  return new UserError(`Cannot load the inline task template: ${detail}`, {
    code: "USER:InvalidTemplate",
    cause,
  });
}

/**
 * Decodes a value written by {@linkcode encodeInlineTemplate}, checking its version, size and
 * checksum before inflating it.
 *
 * @throws {UserError} With code `USER:InvalidTemplate` when the value is oversized, of another
 * version, altered or not a template.
 * @example A tampered value
 * ```ts
 * import {
 *   decodeInlineTemplate,
 *   encodeInlineTemplate,
 * } from "@flyteshim/flyteshim/resolver/flyte2";
 * import { assertRejects } from "@std/assert";
 *
 * const value = await encodeInlineTemplate({ type: "sqlite" });
 * const tampered = value.slice(0, 8) + (value[8] === "A" ? "B" : "A") + value.slice(9);
 * await assertRejects(() => decodeInlineTemplate(tampered), Error, "checksum");
 * ```
 */
export async function decodeInlineTemplate(value: string): Promise<TaskTemplate> {
  if (value.length > MAX_INLINE_TEMPLATE_CHARS) {
    throw invalid(
      `${value.length} characters, more than the ${MAX_INLINE_TEMPLATE_CHARS} allowed`,
    );
  }
  const parts = value.split(".");
  if (parts[0] !== INLINE_TEMPLATE_VERSION) {
    const found = parts.length > 1 ? parts[0] : value.slice(0, 16);
    throw invalid(
      `expected a value starting with "${INLINE_TEMPLATE_VERSION}.", found "${found}" (serialize the task again with this flyteshim version)`,
    );
  }
  if (parts.length !== 4) throw invalid(`expected 4 dot-separated parts, found ${parts.length}`);
  const [, codec, encoded, check] = parts;
  if (codec !== "b" && codec !== "z") {
    throw invalid(`unknown codec "${codec}": expected "b" or "z"`);
  }
  const payload = fromBase64Url(encoded);
  if (!payload || !fromBase64Url(check)) throw invalid("not base64url");
  if (checkOf(payload) !== check) {
    throw invalid("the checksum does not match (the argument was altered or truncated)");
  }
  let bytes = payload;
  if (codec === "z") {
    try {
      bytes = await pipe(
        payload,
        new DecompressionStream("deflate-raw"),
        MAX_INLINE_TEMPLATE_BYTES,
      );
    } catch (cause) {
      const detail = cause instanceof Error ? cause.message : String(cause);
      throw invalid(`cannot inflate it: ${detail}`, cause);
    }
  }
  try {
    return decodeTaskTemplate(bytes);
  } catch (cause) {
    throw invalid("not a binary flyteidl.core.TaskTemplate", cause);
  }
}

/**
 * The loader arguments of an inline task, as Flyte 2's key/value resolvers write them:
 * `executor <id> template <fs1...>`.
 *
 * @example The arguments
 * ```ts
 * import { inlineLoaderArgs } from "@flyteshim/flyteshim/resolver/flyte2";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(inlineLoaderArgs("flyteshim.sqlite3", "fs1.x.y"), [
 *   "executor",
 *   "flyteshim.sqlite3",
 *   "template",
 *   "fs1.x.y",
 * ]);
 * ```
 */
export function inlineLoaderArgs(executor: string, template: string): string[] {
  return ["executor", executor, "template", template];
}

/** Options of {@linkcode resolveInlineTask}. */
export interface ResolveInlineOptions {
  /** Storage, for a template given by URI. */
  storage: Storage;
  /** Where executors are found. */
  registry: ExecutorRegistry;
  /** Aborts the read. */
  signal?: AbortSignal;
}

const INLINE_KEYS = ["executor", "template"];

function argsError(detail: string, args: readonly string[]): UserError {
  const shown = args.map((a) => `"${a.length > 40 ? `${a.slice(0, 40)}...` : a}"`).join(", ");
  return new UserError(`Cannot load task: ${detail}${args.length ? ` (got ${shown})` : ""}`, {
    code: "USER:InvalidResolverArgs",
  });
}

/**
 * Resolves a task on Flyte 2: loader arguments `executor <id> template <fs1...>` carry the
 * template; two arguments `<template URI> <executor id>` read it from storage as on Flyte 1
 * (`inline://taskTemplate` is refused: the backend has no file behind it).
 *
 * @throws {UserError} `USER:UnknownResolver`, `USER:InvalidResolverArgs`, `USER:InvalidTemplate`
 * or `USER:ExecutorNotFound`.
 * @example An inline task
 * ```ts
 * import {
 *   encodeInlineTemplate,
 *   inlineLoaderArgs,
 *   resolveInlineTask,
 * } from "@flyteshim/flyteshim/resolver/flyte2";
 * import { createExecutorRegistry, defineExecutor } from "@flyteshim/flyteshim/executors";
 * import { createStorage } from "@flyteshim/flyteshim/storage";
 * import { assertEquals } from "@std/assert";
 *
 * const noop = defineExecutor({
 *   id: "example.noop",
 *   taskTypes: ["noop"],
 *   parseConfig: () => ({}),
 *   execute: () => Promise.resolve(),
 * });
 * const args = inlineLoaderArgs("example.noop", await encodeInlineTemplate({ type: "noop" }));
 * const task = await resolveInlineTask("flyteshim.resolver", args, {
 *   storage: createStorage(),
 *   registry: createExecutorRegistry([noop]),
 * });
 * assertEquals([task.template.type, task.executor.id, task.templateUri], [
 *   "noop",
 *   "example.noop",
 *   "inline://taskTemplate",
 * ]);
 * ```
 *
 * @example The options
 * ```ts
 * import type { ResolveInlineOptions } from "@flyteshim/flyteshim/resolver/flyte2";
 * import { createExecutorRegistry } from "@flyteshim/flyteshim/executors";
 * import { createStorage } from "@flyteshim/flyteshim/storage";
 *
 * const options: ResolveInlineOptions = {
 *   storage: createStorage(),
 *   registry: createExecutorRegistry([]),
 * };
 * ```
 */
export async function resolveInlineTask(
  resolver: string | undefined,
  args: readonly string[],
  options: ResolveInlineOptions,
): Promise<ResolvedTask> {
  checkResolver(resolver);
  // A template URI and an executor id, as on Flyte 1 (inline://taskTemplate is refused there).
  if (args.length === 2 && !INLINE_KEYS.includes(args[0])) {
    return await resolveTask(resolver, args, options);
  }
  if (args.length % 2 !== 0) {
    throw argsError('expected key/value pairs "executor <id> template <value>"', args);
  }
  const pairs = new Map<string, string>();
  for (let i = 0; i < args.length; i += 2) {
    if (pairs.has(args[i])) throw argsError(`key "${args[i]}" given twice`, []);
    pairs.set(args[i], args[i + 1]);
  }
  const executorId = pairs.get("executor");
  const value = pairs.get("template");
  const unknown = [...pairs.keys()].filter((k) => !INLINE_KEYS.includes(k));
  if (!executorId || value === undefined || unknown.length) {
    throw argsError(
      unknown.length
        ? `unknown key ${
          unknown.map((k) => `"${k}"`).join(", ")
        }: expected "executor" and "template"`
        : 'expected the keys "executor" and "template"',
      [],
    );
  }
  // The executor first: an unknown id is reported without decoding the template.
  if (!options.registry.has(executorId)) await loadExecutor(options.registry, executorId);
  const [executor, template] = await Promise.all([
    loadExecutor(options.registry, executorId),
    decodeInlineTemplate(value),
  ]);
  return { template, templateUri: FLYTE2_TEMPLATE_PATH, executor };
}
