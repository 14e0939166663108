import { assertEquals } from "@std/assert";
import {
  BlobDimensionality,
  ContainerErrorKind,
  decodeLiteralMap,
  decodeTaskTemplate,
  encodeLiteral,
  ErrorKind,
  fromInt64,
  NullValue,
  ResourceName,
  SchemaColumnType,
  SecretMountType,
  SimpleType,
  structToJson,
} from "./mod.ts";

const FIXTURES = new URL("../testdata/idl/flytekit-sqlite3/", import.meta.url);

Deno.test("decodeTaskTemplate() reads flytekit's SQLite3Task template", async () => {
  const template = decodeTaskTemplate(await Deno.readFile(new URL("template.pb", FIXTURES)));
  assertEquals(template.type, "sqlite");
  assertEquals(structToJson(template.custom), {
    compressed: false,
    query_template: "select TrackId, Name from tracks limit {{ .inputs.limit }}",
    uri: "chinook-mini.db",
  });
  assertEquals(
    template.container?.args?.at(-1),
    "flytekit.extras.sqlite3.task.SQLite3TaskExecutor",
  );
});

Deno.test("decodeLiteralMap() reads flytekit's inputs.pb", async () => {
  const inputs = decodeLiteralMap(await Deno.readFile(new URL("inputs.pb", FIXTURES)));
  assertEquals(fromInt64(inputs.literals?.limit.scalar?.primitive?.integer), 10n);
});

Deno.test("encodeLiteral() encoders return bytes that own their buffer", () => {
  const a = encodeLiteral({ scalar: { primitive: { stringValue: "a" } } });
  const b = encodeLiteral({ scalar: { primitive: { stringValue: "b" } } });
  assertEquals([a.byteOffset, a.buffer.byteLength], [0, a.byteLength]);
  assertEquals(b.buffer === a.buffer, false);
});

Deno.test("the curated enums have flyteidl's values and names", () => {
  assertEquals(SimpleType.INTEGER, 1);
  assertEquals(SimpleType[1], "INTEGER");
  assertEquals(BlobDimensionality.MULTIPART, 1);
  assertEquals(SchemaColumnType.STRING, 2);
  assertEquals(ContainerErrorKind.RECOVERABLE, 1);
  assertEquals(ErrorKind.SYSTEM, 2);
  assertEquals(SecretMountType.ENV_VAR, 1);
  assertEquals(ResourceName.MEMORY, 3);
  assertEquals(NullValue.NULL_VALUE, 0);
});
