// Cross-check with Debian's protoc (installed by .ci/setup; skipped with the reason where it is absent, never in CI):
// the committed .pb fixtures are exactly what protoc encodes from their .txt, and protoc reads
// the bytes our encoder writes as the same text.
import { assertEquals } from "@std/assert";
import { crossCheck, PROTOC } from "../_testing/tools.ts";
import { PROTO_FILE, protoc } from "../testdata/idl/protoc.ts";
import { messageOf, stripComments } from "../testdata/idl/text_format.ts";
import {
  decodeLiteralMap,
  decodeTaskTemplate,
  encodeLiteralMap,
  encodeTaskTemplate,
} from "./mod.ts";

const DIR = new URL("../testdata/idl/", import.meta.url);

const FIXTURES = ["struct", "union", "map", "collection", "datetime", "duration", "task_template"];

for (const name of FIXTURES) {
  Deno.test({
    ...crossCheck(
      `protoc() encodes ${name}.txt to the committed ${name}.pb and decodes our re-encoding to it`,
      ...PROTOC,
    ),
    async fn() {
      const text = await Deno.readTextFile(new URL(`${name}.txt`, DIR));
      const committed = await Deno.readFile(new URL(`${name}.pb`, DIR));
      const type = messageOf(text);
      const file = PROTO_FILE[type];
      const encoded = await protoc(
        ["--deterministic_output", `--encode=${type}`, file],
        new TextEncoder().encode(text),
      );
      assertEquals(encoded, committed);
      const ours = type === "flyteidl.core.TaskTemplate"
        ? encodeTaskTemplate(decodeTaskTemplate(committed))
        : encodeLiteralMap(decodeLiteralMap(committed));
      const decoded = await protoc([`--decode=${type}`, file], ours);
      assertEquals(new TextDecoder().decode(decoded), stripComments(text));
    },
  });
}

Deno.test({
  ...crossCheck(
    "protoc() decodes flytekit's template.pb and inputs.pb to their .txt dumps",
    ...PROTOC,
  ),
  async fn() {
    const dir = new URL("flytekit-sqlite3/", DIR);
    for (
      const [name, type] of [["template", "flyteidl.core.TaskTemplate"], [
        "inputs",
        "flyteidl.core.LiteralMap",
      ]]
    ) {
      const bytes = await Deno.readFile(new URL(`${name}.pb`, dir));
      const text = await Deno.readTextFile(new URL(`${name}.txt`, dir));
      const decoded = await protoc([`--decode=${type}`, PROTO_FILE[type]], bytes);
      assertEquals(new TextDecoder().decode(decoded), text);
    }
  },
});
