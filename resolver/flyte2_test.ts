import { assertEquals, assertRejects } from "@std/assert";
import { crc32 } from "node:zlib";
import { createExecutorRegistry, defineExecutor } from "../executors/mod.ts";
import { UserError } from "../errors.ts";
import { createStorage } from "../storage/mod.ts";
import { SimpleType } from "../idl/core.ts";
import {
  decodeInlineTemplate,
  encodeInlineTemplate,
  inlineLoaderArgs,
  MAX_INLINE_TEMPLATE_CHARS,
  resolveInlineTask,
} from "./flyte2.ts";

const noop = defineExecutor({
  id: "example.noop",
  taskTypes: ["noop"],
  parseConfig: () => ({}),
  execute: () => Promise.resolve(),
});
const options = { storage: createStorage(), registry: createExecutorRegistry([noop]) };

async function invalidTemplate(value: string, message: string) {
  const error = await assertRejects(() => decodeInlineTemplate(value), UserError, message);
  assertEquals(error.code, "USER:InvalidTemplate");
}

Deno.test("encodeInlineTemplate() an inline template keeps what executors read and drops the container", async () => {
  const value = await encodeInlineTemplate({
    id: { name: "sql.tracks", version: "v1" },
    type: "sqlite",
    interface: { inputs: { variables: { limit: { type: { simple: SimpleType.INTEGER } } } } },
    custom: { fields: { query_template: { stringValue: "select 1" } } },
    config: { k: "v" },
    container: { image: "example:1", args: ["a0"] },
    metadata: { retries: { retries: 3 } },
  });
  assertEquals(/^fs1\.b\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{6}$/.test(value), true);
  const template = await decodeInlineTemplate(value);
  assertEquals(template.id?.name, "sql.tracks");
  assertEquals(template.type, "sqlite");
  assertEquals(template.custom?.fields?.query_template.stringValue, "select 1");
  assertEquals(template.config, { k: "v" });
  assertEquals(template.interface?.inputs?.variables?.limit.type?.simple, SimpleType.INTEGER);
  assertEquals([template.container, template.metadata], [null, null]);
});

Deno.test("encodeInlineTemplate() tampered, truncated, foreign and oversized values are USER:InvalidTemplate", async () => {
  const value = await encodeInlineTemplate({ type: "sqlite", custom: { fields: {} } });
  const [, , payload, check] = value.split(".");
  const flipped = payload.slice(0, 2) + (payload[2] === "A" ? "B" : "A") + payload.slice(3);
  await invalidTemplate(`fs1.b.${flipped}.${check}`, "checksum does not match");
  await invalidTemplate(`fs1.b.${payload.slice(0, -2)}.${check}`, "checksum does not match");
  await invalidTemplate(`fs1.x.${payload}.${check}`, 'unknown codec "x"');
  await invalidTemplate(`fs2.b.${payload}.${check}`, 'found "fs2"');
  await invalidTemplate("not-a-template", "expected a value starting with");
  await invalidTemplate(`fs1.b.${payload}`, "expected 4 dot-separated parts");
  await invalidTemplate(`fs1.b.${payload}!.${check}`, "not base64url");
  await invalidTemplate(`fs1.b.${"A".repeat(MAX_INLINE_TEMPLATE_CHARS)}.x`, "more than the 131071");
});

function fromB64(text: string): Uint8Array {
  return Uint8Array.from(
    atob(text.replaceAll("-", "+").replaceAll("_", "/")),
    (c) => c.charCodeAt(0),
  );
}

Deno.test("encodeInlineTemplate() a consistent value that is not deflate or not a template is refused", async () => {
  const b64 = (bytes: Uint8Array) =>
    btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(
      /=+$/,
      "",
    );
  const raw = new Uint8Array([0x0a, 0x02, 0xff, 0xff, 0x12]);
  // The check, by an independent CRC-32 (node:zlib's).
  const sign = (payload: Uint8Array, codec = "z") => {
    const check = new Uint8Array(4);
    new DataView(check.buffer).setUint32(0, crc32(payload));
    return `fs1.${codec}.${b64(payload)}.${b64(check)}`;
  };
  const valid = await encodeInlineTemplate({ type: "sqlite" });
  assertEquals(sign(fromB64(valid.split(".")[2]), "b"), valid);
  await invalidTemplate(sign(new Uint8Array([0xff, 0xff, 0xff])), "cannot inflate");
  // Deflate of bytes that are no TaskTemplate (a field 1 string where a message belongs).
  const junk = new Uint8Array(
    await new Response(
      new Blob([new Uint8Array([0x0a, 0x02, 0xff, 0xff, 0x12])]).stream().pipeThrough(
        new CompressionStream("deflate-raw"),
      ),
    ).arrayBuffer(),
  );
  await invalidTemplate(sign(junk), "not a binary flyteidl.core.TaskTemplate");
  await invalidTemplate(sign(raw, "b"), "not a binary flyteidl.core.TaskTemplate");
  // A deflate bomb: 8 MiB of zeros inflate beyond the limit.
  const bomb = new Uint8Array(
    await new Response(
      new Blob([new Uint8Array(8 * 1024 * 1024)]).stream().pipeThrough(
        new CompressionStream("deflate-raw"),
      ),
    ).arrayBuffer(),
  );
  await invalidTemplate(sign(bomb), "more than 4194304 bytes");
});

Deno.test("encodeInlineTemplate() large templates are deflated; the deflated form decodes the same", async () => {
  const query = "select 1 union all ".repeat(2000) + "select 1";
  const value = await encodeInlineTemplate({
    type: "sqlite",
    custom: { fields: { query_template: { stringValue: query } } },
  });
  assertEquals(value.startsWith("fs1.z."), true);
  assertEquals(value.length < query.length / 10, true);
  const template = await decodeInlineTemplate(value);
  assertEquals(template.custom?.fields?.query_template.stringValue, query);
});

Deno.test("encodeInlineTemplate() serializing a template too large for one argument is refused", async () => {
  const noise = Array.from({ length: 200_000 }, () => Math.random().toString(36)[2]).join("");
  await assertRejects(
    () =>
      encodeInlineTemplate({ type: "sqlite", custom: { fields: { q: { stringValue: noise } } } }),
    RangeError,
    "more than the 131071",
  );
});

Deno.test("encodeInlineTemplate() key/value pairs, or a template URI as on Flyte 1", async () => {
  const value = await encodeInlineTemplate({ type: "noop" });
  const task = await resolveInlineTask(undefined, inlineLoaderArgs("example.noop", value), options);
  assertEquals(task.executor.id, "example.noop");
  const cases: [string[], string, string][] = [
    [
      ["executor", "example.noop"],
      "USER:InvalidResolverArgs",
      'the keys "executor" and "template"',
    ],
    [["inline://taskTemplate", "example.noop"], "USER:InvalidResolverArgs", "--flyte2"],
    [["executor", "example.noop", "template"], "USER:InvalidResolverArgs", "key/value"],
    [["executor", "example.noop", "extra", "x"], "USER:InvalidResolverArgs", 'unknown key "extra"'],
    [["executor", "x", "executor", "y"], "USER:InvalidResolverArgs", "given twice"],
    [inlineLoaderArgs("no.such", value), "USER:ExecutorNotFound", "no.such"],
    [inlineLoaderArgs("example.noop", "fs1.b.AAAA.AAAA"), "USER:InvalidTemplate", "checksum"],
  ];
  for (const [args, code, message] of cases) {
    const error = await assertRejects(() => resolveInlineTask(undefined, args, options));
    assertEquals((error as UserError).code, code, String(error));
    assertEquals((error as Error).message.includes(message), true, (error as Error).message);
  }
});
