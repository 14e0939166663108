// A task.pb that is not a task template (another Flyte message, an archive, text, nothing) is
// USER:InvalidTemplate naming what the file is not and what it looks like, through the
// propeller harness with flytekit's SQLite3Task args: never a config error about a missing
// "query_template" of the empty template lenient protobuf decoding would give.
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { encodeTaskSpec } from "../idl/admin.ts";
import {
  decodeLiteralMap,
  decodeTaskTemplate,
  encodeErrorDocument,
  encodeLiteralMap,
  encodeTaskTemplate,
  flyteidl,
  jsonToStruct,
  type JsonValue,
  structToJson,
} from "../idl/mod.ts";
import { prepareNode, runNode } from "../_testing/propeller.ts";
import { FIXTURE_DIR, TEMPLATE_DIR } from "../_testing/sqlite3.ts";
import { tarGz } from "../_testing/archives.ts";

const { NON_RECOVERABLE } = flyteidl.core.ContainerError.Kind;
const { USER } = flyteidl.core.ExecutionError.ErrorKind;

const template = decodeTaskTemplate(await Deno.readFile(`${TEMPLATE_DIR}template.pb`));
// flytekit resolves the relative uri against the working directory; point it at the fixture.
template.custom = jsonToStruct({
  ...structToJson(template.custom!) as Record<string, JsonValue>,
  uri: `${FIXTURE_DIR}chinook-mini.db`,
});
const inputs = decodeLiteralMap(await Deno.readFile(`${TEMPLATE_DIR}inputs.pb`));

async function runWithTaskFile(bytes: Uint8Array) {
  const node = await prepareNode({ template, inputs });
  await node.storage.write(node.paths.taskTemplate, bytes);
  return { run: await runNode(node), uri: node.paths.taskTemplate };
}

const cases: [name: string, bytes: () => Promise<Uint8Array> | Uint8Array, says: string][] = [
  ["its inputs file", () => encodeLiteralMap(inputs), "it looks like a flyteidl.core.LiteralMap"],
  [
    "an error document",
    () => encodeErrorDocument({ error: { code: "USER:SqlError", message: "boom", kind: 1 } }),
    "it looks like a flyteidl.core.ErrorDocument (an error.pb)",
  ],
  [
    "a registration TaskSpec",
    () => encodeTaskSpec({ template, description: { shortDescription: "tracks" } }),
    'it looks like a registration flyteidl.admin.TaskSpec, which holds the task template in its field "template"',
  ],
  ["an empty file", () => new Uint8Array(), "it is empty"],
  [
    "random bytes",
    // A varint that never ends: no protobuf message, whatever the rest.
    () => new Uint8Array([0x08, ...new Array(16).fill(0xff)]),
    "it is not a protobuf message",
  ],
  [
    "a registration package",
    () => tarGz([{ name: "00_task_1.pb", data: encodeTaskSpec({ template }) }]),
    "it looks like a gzip archive",
  ],
  [
    "JSON text",
    () => new TextEncoder().encode('{"type": "sqlite"}'),
    "it looks like JSON text",
  ],
];

for (const [name, bytes, says] of cases) {
  Deno.test(`task file: ${name} as task.pb is USER:InvalidTemplate saying what it is`, async () => {
    const { run, uri } = await runWithTaskFile(await bytes());
    assertEquals(run.code, 0, run.stderr);
    assert(run.error, run.stderr);
    assertEquals(run.files, ["error.pb"]);
    assertEquals(
      [run.error.code, run.error.kind, run.error.origin],
      ["USER:InvalidTemplate", NON_RECOVERABLE, USER],
      run.error.message ?? "",
    );
    assertStringIncludes(
      run.error.message!,
      `Cannot load task template "${uri}": the file is not a binary flyteidl.core.TaskTemplate; `,
    );
    assertStringIncludes(run.error.message!, says);
    assert(!run.error.message!.includes("query_template"), run.error.message!);
  });
}

Deno.test("task file: flytekit's own template still runs", async () => {
  const { run } = await runWithTaskFile(encodeTaskTemplate(template));
  assertEquals([run.code, run.files], [0, ["outputs.pb"]], run.error?.message ?? run.stderr);
});
