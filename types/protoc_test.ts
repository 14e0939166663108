// Cross-check with Debian's protoc (installed by .ci/setup; skipped with the reason where it is absent, never in CI):
// protoc reads the literal maps the engine writes from values as the fixtures' text.
import { assertEquals } from "@std/assert";
import { decodeLiteralMap, decodeTaskTemplate, encodeLiteralMap } from "../idl/mod.ts";
import { EXPECTED } from "../testdata/idl/expected.ts";
import { crossCheck, PROTOC } from "../_testing/tools.ts";
import { PROTO_FILE, protoc } from "../testdata/idl/protoc.ts";
import { stripComments } from "../testdata/idl/text_format.ts";
import { valuesToLiteralMap } from "./mod.ts";

const DIR = new URL("../testdata/idl/", import.meta.url);

for (const [name, values] of Object.entries(EXPECTED)) {
  Deno.test({
    ...crossCheck(
      `protoc() decodes the engine's literal map for ${name} values to ${name}.txt`,
      ...PROTOC,
    ),
    async fn() {
      const template = decodeTaskTemplate(await Deno.readFile(new URL("task_template.pb", DIR)));
      const declared = template.interface!.inputs!.variables!;
      const fixture = decodeLiteralMap(await Deno.readFile(new URL(`${name}.pb`, DIR)));
      const variables = Object.fromEntries(
        Object.keys(fixture.literals!).map((k) => [k, declared[k]]),
      );
      const bytes = encodeLiteralMap(
        await valuesToLiteralMap(values, variables, { role: "input" }),
      );
      const type = "flyteidl.core.LiteralMap";
      const text = new TextDecoder().decode(
        await protoc([`--decode=${type}`, PROTO_FILE[type]], bytes),
      );
      assertEquals(text, stripComments(await Deno.readTextFile(new URL(`${name}.txt`, DIR))));
    },
  });
}
