import { assertEquals, assertRejects } from "@std/assert";
import { UserError } from "../errors.ts";
import type { Literal } from "../idl/mod.ts";
import { fromLiteral, toLiteral, Types } from "./mod.ts";
import { StructuredDataset } from "./values.ts";

function columnsOf(sd: unknown): unknown {
  return (sd as StructuredDataset).columns.map((c) => ({ name: c.name, simple: c.type.simple }));
}

Deno.test("fromLiteral() reads a legacy schema literal as a parquet dataset with its columns", async () => {
  const literal: Literal = {
    scalar: {
      schema: {
        uri: "s3://b/schema",
        type: { columns: [{ name: "id" }, { name: "score", type: 1 }] },
      },
    },
  };
  const sd = await fromLiteral(literal, Types.schema());
  assertEquals([sd.uri, sd.format], ["s3://b/schema", "parquet"]);
  assertEquals(columnsOf(sd), [{ name: "id", simple: 1 }, { name: "score", simple: 2 }]);
});

Deno.test("fromLiteral() gives a structured dataset without columns the declared ones", async () => {
  const type = Types.structuredDataset({
    columns: { TrackId: Types.integer, Name: { simple: 3 } },
  });
  const literal: Literal = { scalar: { structuredDataset: { uri: "s3://b/sd", metadata: {} } } };
  const sd = await fromLiteral(literal, type);
  assertEquals([sd.uri, sd.format], ["s3://b/sd", "parquet"]);
  assertEquals(columnsOf(sd), [{ name: "TrackId", simple: 1 }, { name: "Name", simple: 3 }]);
  const fromSchemaType = await fromLiteral(literal, Types.schema({ id: Types.integer }));
  assertEquals(columnsOf(fromSchemaType), [{ name: "id", simple: 1 }]);
});

Deno.test("toLiteral() writes datasets as structured_dataset literals with the declared columns", async () => {
  const value = new StructuredDataset({
    uri: "s3://b/out",
    columns: [{ name: "x", type: { simple: 1 } }],
  });
  assertEquals(await toLiteral(value, Types.schema({ id: Types.integer, score: Types.float })), {
    scalar: {
      structuredDataset: {
        uri: "s3://b/out",
        metadata: {
          structuredDatasetType: {
            columns: [{ name: "id", literalType: { simple: 1 } }, {
              name: "score",
              literalType: { simple: 2 },
            }],
            format: "parquet",
          },
        },
      },
    },
  });
  const csv = await toLiteral(
    new StructuredDataset({ uri: "s3://b/c", format: "csv" }),
    Types.structuredDataset(),
  );
  assertEquals(csv.scalar!.structuredDataset!.metadata!.structuredDatasetType!.format, "csv");
});

Deno.test("fromLiteral() refuses dataset mismatches as user errors", async () => {
  await assertRejects(
    () =>
      toLiteral("s3://b/x" as unknown as StructuredDataset, Types.structuredDataset(), {
        name: "df",
      }),
    UserError,
    'Cannot convert value "df": expected structured dataset, found string',
  );
  await assertRejects(
    () =>
      fromLiteral({ scalar: { blob: { uri: "s3://b" } } }, Types.schema(), {
        name: "df",
        role: "input",
      }),
    UserError,
    'Cannot convert input "df": expected schema, found blob',
  );
});
