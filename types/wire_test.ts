// The literal type engine on bytes written by other implementations: protoc-encoded fixtures
// (testdata/idl/, declared by task_template.pb's interface) and flytekit's SQLite3Task fixture.
// Reading must give the expected values; writing those values back must give the same bytes.
import { assertEquals } from "@std/assert";
import {
  decodeLiteralMap,
  decodeTaskTemplate,
  encodeLiteral,
  type LiteralMap,
  type Variable,
} from "../idl/mod.ts";
import { EXPECTED } from "../testdata/idl/expected.ts";
import {
  literalMapToValues,
  StructuredDataset,
  type Timestamp,
  toLiteral,
  valuesToLiteralMap,
} from "./mod.ts";

const DIR = new URL("../testdata/idl/", import.meta.url);

const template = decodeTaskTemplate(await Deno.readFile(new URL("task_template.pb", DIR)));
const declared = template.interface!.inputs!.variables!;

async function fixture(name: string): Promise<LiteralMap> {
  return decodeLiteralMap(await Deno.readFile(new URL(`${name}.pb`, DIR)));
}

function variablesFor(map: LiteralMap): Record<string, Variable> {
  return Object.fromEntries(Object.keys(map.literals ?? {}).map((k) => [k, declared[k]]));
}

for (const [name, expected] of Object.entries(EXPECTED)) {
  Deno.test(`literalMapToValues() reads the protoc fixture ${name}.pb`, async () => {
    const map = await fixture(name);
    assertEquals(await literalMapToValues(map, variablesFor(map)), expected);
  });

  Deno.test(`valuesToLiteralMap() writes the values of ${name}.pb back to the same bytes`, async () => {
    const map = await fixture(name);
    const written = await valuesToLiteralMap(expected, variablesFor(map));
    for (const [key, literal] of Object.entries(map.literals ?? {})) {
      assertEquals(
        new Uint8Array(encodeLiteral(written.literals![key])),
        new Uint8Array(encodeLiteral(literal)),
        `literal "${key}"`,
      );
    }
  });
}

Deno.test("datetime fixture values print with microsecond precision", async () => {
  const values = await literalMapToValues(
    await fixture("datetime"),
    variablesFor(await fixture("datetime")),
  );
  assertEquals((values.when as Timestamp).toISOString(), "2023-11-14T22:13:20.123456Z");
  assertEquals((values.before_epoch as Timestamp).toISOString(), "1969-12-31T23:59:58.500000Z");
  assertEquals((values.far as Timestamp).toISOString(), "9999-12-31T23:59:59.999999Z");
});

const FLYTEKIT = new URL("flytekit-sqlite3/", DIR);

Deno.test("flytekit's inputs.pb reads as the template's interface says", async () => {
  const sqlite = decodeTaskTemplate(await Deno.readFile(new URL("template.pb", FLYTEKIT)));
  const inputs = decodeLiteralMap(await Deno.readFile(new URL("inputs.pb", FLYTEKIT)));
  const values = await literalMapToValues(inputs, sqlite.interface?.inputs?.variables);
  assertEquals(values, { limit: 10n });
  const written = await valuesToLiteralMap(values, sqlite.interface?.inputs?.variables, {
    role: "input",
  });
  assertEquals(
    new Uint8Array(encodeLiteral(written.literals!.limit)),
    new Uint8Array(encodeLiteral(inputs.literals!.limit)),
  );
});

Deno.test("a dataset output of flytekit's template is written as flytekit's outputs.txt shows", async () => {
  const sqlite = decodeTaskTemplate(await Deno.readFile(new URL("template.pb", FLYTEKIT)));
  const results = sqlite.interface!.outputs!.variables!.results;
  const literal = await toLiteral(
    new StructuredDataset({
      uri: "RAW_OUTPUT_PREFIX/1928a657f21b9d28a4ed01cdbe668972",
      columns: [{ name: "TrackId", type: { simple: 1 } }, { name: "Name", type: { simple: 3 } }],
    }),
    results,
  );
  assertEquals(literal, {
    scalar: {
      structuredDataset: {
        uri: "RAW_OUTPUT_PREFIX/1928a657f21b9d28a4ed01cdbe668972",
        metadata: { structuredDatasetType: { format: "parquet" } },
      },
    },
  });
});
