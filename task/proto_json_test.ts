// The proto3 JSON encoder against protobuf's own `json_format` (Debian's python3-protobuf, with
// message classes built from the flyteidl protos' descriptor set by Debian's protoc).
import { tempFile } from "../_testing/temp.ts";
import { crossCheck, PROTOC, PYTHON_PROTOBUF } from "../_testing/tools.ts";
import { assertEquals, assertThrows } from "@std/assert";
import { decodeTaskTemplate, encodeTaskTemplate } from "../idl/mod.ts";
import { decodeTaskSpec, encodeTaskSpec } from "../idl/admin.ts";
import { Types } from "../types/descriptors.ts";
import { Duration } from "../types/values.ts";
import { sqlite3Task, sqlTask } from "./sql.ts";
import { toProto3Json } from "./proto_json.ts";
import { MESSAGES } from "./_proto_json_schema.ts";
import { toTaskSpec, toTaskTemplate } from "./serialize.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const PROTOS = `${ROOT}node_modules/@flyteorg/flyteidl/protos`;
const FIXTURE = `${ROOT}testdata/idl/flytekit-sqlite3/template.pb`;

const PYTHON = `
import sys
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
fds = descriptor_pb2.FileDescriptorSet.FromString(open(sys.argv[1], "rb").read())
pool = descriptor_pool.DescriptorPool()
for f in fds.file:
    pool.Add(f)
cls = message_factory.MessageFactory(pool).GetPrototype(pool.FindMessageTypeByName(sys.argv[2]))
print(json_format.MessageToJson(cls.FromString(open(sys.argv[3], "rb").read())))
`;

/** The field table, derived from protoc's descriptor set (`deno task gen` reads protobufjs's). */
const TABLE = `
import json, sys
from google.protobuf import descriptor_pb2
fds = descriptor_pb2.FileDescriptorSet.FromString(open(sys.argv[1], "rb").read())
msgs = {}
def walk(prefix, m):
    name = prefix + "." + m.name
    msgs[name] = m
    for n in m.nested_type:
        walk(name, n)
for f in fds.file:
    for m in f.message_type:
        walk("." + f.package, m)
T = {1: "double", 2: "float", 3: "int64", 4: "uint64", 5: "int32", 8: "bool", 9: "string",
     12: "bytes", 13: "uint32", 17: "sint32", 18: "sint64", 7: "fixed32", 6: "fixed64",
     15: "sfixed32", 16: "sfixed64"}
WKT = {".google.protobuf." + n for n in ["Struct", "Value", "ListValue", "Duration", "Timestamp", "BoolValue"]}
out = {}
def visit(n):
    if n in out or n in WKT:
        return
    out[n] = None
    fields = []
    for f in msgs[n].field:
        flags = ("r" if f.label == 3 else "") + ("o" if f.HasField("oneof_index") else "")
        if f.type == 11 and msgs[f.type_name].options.map_entry:
            v = msgs[f.type_name].field[1]
            t, flags = (v.type_name if v.type in (11, 14) else T[v.type]), "m"
            if v.type == 11:
                visit(v.type_name)
        elif f.type in (11, 14):
            t = f.type_name
            if f.type == 11:
                visit(t)
        else:
            t = T[f.type]
        fields.append([f.json_name, t[1:] if t.startswith(".") else t] + ([flags] if flags else []))
    out[n] = fields
for root in [".flyteidl.admin.TaskSpec", ".flyteidl.core.TaskTemplate"]:
    visit(root)
print(json.dumps({k[1:]: v for k, v in out.items()}))
`;

let descriptorSet: Promise<string> | undefined;

async function run(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`${cmd} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

function buildDescriptorSet(): Promise<string> {
  return descriptorSet ??= (async () => {
    const path = await tempFile({ suffix: ".fds" });
    await run("protoc", [
      "--include_imports",
      `--descriptor_set_out=${path}`,
      `-I${PROTOS}`,
      "-I/usr/include",
      "flyteidl/admin/task.proto",
    ]);
    return path;
  })();
}

/** protobuf's json_format rendering of binary message bytes. */
async function pythonJson(type: string, bytes: Uint8Array): Promise<unknown> {
  const fds = await buildDescriptorSet();
  const file = await tempFile({ suffix: ".pb" });
  await Deno.writeFile(file, bytes);
  const script = await tempFile({ suffix: ".py" });
  await Deno.writeTextFile(script, PYTHON);
  return JSON.parse(await run("/usr/bin/python3", [script, fds, type, file]));
}

function rich() {
  return sqlTask({
    name: "sql.users_by_day",
    image: "ghcr.io/acme/flyteshim:0.1.0",
    queryTemplate: "select * from users where day = {{ .inputs.day }}",
    uri: "postgresql://app@db:5432/app",
    inputs: {
      day: Types.datetime,
      limit: Types.optional(Types.integer),
      ratio: Types.float,
      tags: Types.list(Types.string),
      weights: Types.map(Types.float),
      mode: Types.enum(["fast", "slow"]),
      extra: Types.struct(),
      legacy: Types.struct({ format: "generic" }),
      file: Types.file("csv"),
      dir: Types.directory(),
      wait: Types.duration,
      on: Types.boolean,
      nothing: Types.none,
      old: Types.schema({ id: Types.integer, name: Types.string, ok: Types.boolean }),
    },
    outputs: {
      results: Types.structuredDataset({ columns: { id: Types.integer, name: Types.string } }),
    },
    connectArgs: { connect_timeout: 5, sslmode: "require", keepalive: true, none: null },
    secretConnectArgs: { password: { group: "db", key: "password", mount: "env_var" } },
    secrets: [{ group: "g", key: "k", groupVersion: "v2", mount: "file", envVar: "K" }],
    requests: { cpu: "500m", memory: "1Gi" },
    limits: { cpu: 2, gpu: 1, ephemeralStorage: "10Gi" },
    environment: { A: "1", B: "two" },
    retries: 4,
    timeout: new Duration(61n, 250_000_000),
    interruptible: false,
    cache: { version: "3", serialize: true, ignoreInputs: ["limit", "ratio"] },
    description: "Users by day",
  });
}

Deno.test(
  crossCheck("a rich TaskSpec encodes as protobuf's json_format does", ...PROTOC, PYTHON_PROTOBUF),
  async () => {
    const bytes = encodeTaskSpec(toTaskSpec(rich()));
    const ours = JSON.parse(
      JSON.stringify(toProto3Json(decodeTaskSpec(bytes), "flyteidl.admin.TaskSpec")),
    );
    assertEquals(ours, await pythonJson("flyteidl.admin.TaskSpec", bytes));
  },
);

Deno.test(
  crossCheck(
    "a SQLite3 template (zero retries, no secrets) and flytekit's own template match too",
    ...PROTOC,
    PYTHON_PROTOBUF,
  ),
  async () => {
    const task = sqlite3Task({
      name: "tracks",
      image: "x:1",
      queryTemplate: "select 1",
      uri: "db.sqlite",
      timeout: 600,
    });
    for (const bytes of [encodeTaskTemplate(toTaskTemplate(task)), await Deno.readFile(FIXTURE)]) {
      const ours = JSON.parse(
        JSON.stringify(toProto3Json(decodeTaskTemplate(bytes), "flyteidl.core.TaskTemplate")),
      );
      assertEquals(ours, await pythonJson("flyteidl.core.TaskTemplate", bytes));
    }
  },
);

Deno.test("toProto3Json() proto3 JSON spelling: enum names, int64 strings, camelCase, defaults left out", () => {
  const json = toProto3Json(toTaskTemplate(rich()), "flyteidl.core.TaskTemplate");
  const metadata = json.metadata as Record<string, unknown>;
  assertEquals(metadata.runtime, {
    type: "FLYTE_SDK",
    version: metadata.runtime && (metadata.runtime as { version: string }).version,
    flavor: "flyteshim",
  });
  assertEquals(metadata.timeout, "61.250s");
  assertEquals(metadata.interruptible, false); // a oneof member: written even when false
  assertEquals(metadata.cacheIgnoreInputVars, ["limit", "ratio"]);
  assertEquals((json.id as Record<string, unknown>).resourceType, "TASK");
  assertEquals("project" in (json.id as Record<string, unknown>), false);
  assertThrows(() => toProto3Json({}, "flyteidl.core.Literal"), TypeError);
});

Deno.test(
  crossCheck(
    "the field table matches the flyteidl protos' descriptor set",
    ...PROTOC,
    PYTHON_PROTOBUF,
  ),
  async () => {
    const script = await tempFile({ suffix: ".py" });
    await Deno.writeTextFile(script, TABLE);
    const derived = JSON.parse(await run("/usr/bin/python3", [script, await buildDescriptorSet()]));
    assertEquals(JSON.parse(JSON.stringify(MESSAGES)), derived);
  },
);
