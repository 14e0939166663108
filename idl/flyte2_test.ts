// Flyte 2's files read and written by the one table-driven codec (idl/core.ts), checked against
// protobufjs's classes generated from @flyteorg/flyteidl2 (idl/flyte2.ts).
import { assertEquals } from "@std/assert";
import {
  ContainerErrorKind,
  decodeErrorDocument,
  decodeLiteralMap,
  decodeTaskTemplate,
  encodeErrorDocument,
  encodeLiteral,
  encodeLiteralMap,
  encodeTaskTemplate,
  ErrorKind,
  SimpleType,
  toInt64,
} from "./core.ts";
import {
  decodeFlyte2ErrorDocument,
  decodeInputs,
  decodeOutputs,
  encodeFlyte2ErrorDocument,
  encodeInputs,
  flyteidl2,
} from "./flyte2.ts";

const text = new TextEncoder();

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

/** One length-delimited field. */
function field(id: number, bytes: Uint8Array | number[]): number[] {
  return [...varint((id << 3) | 2), ...varint(bytes.length), ...bytes];
}

Deno.test("decodeInputs() Flyte 2 Inputs (with context and a literal's artifact_id) read as a LiteralMap", () => {
  const literal = encodeLiteral({ scalar: { primitive: { integer: toInt64(7n) } } });
  // Literal.artifact_id = 9 (flyteidl2 main; not in the npm package yet): an ArtifactVersionId
  // whose first field is set. The codec skips it as an unknown field.
  const withArtifact = [...literal, ...field(9, field(1, text.encode("artifact-key")))];
  const bytes = new Uint8Array([
    ...field(1, [...field(1, text.encode("limit")), ...field(2, withArtifact)]),
    ...field(2, [...field(1, text.encode("region")), ...field(2, text.encode("eu"))]),
    ...field(1, [
      ...field(1, text.encode("name")),
      ...field(2, encodeLiteral({ scalar: { primitive: { stringValue: "x" } } })),
    ]),
  ]);
  const map = decodeLiteralMap(bytes);
  assertEquals(Object.keys(map.literals ?? {}), ["limit", "name"]);
  assertEquals(BigInt(String(map.literals?.limit.scalar?.primitive?.integer)), 7n);
  // protobufjs's Flyte 2 classes read the same bytes.
  const inputs = decodeInputs(bytes);
  assertEquals(inputs.literals?.map((l) => l.name), ["limit", "name"]);
  assertEquals(inputs.context?.map((kv) => [kv.key, kv.value]), [["region", "eu"]]);
});

Deno.test("encodeInputs() Inputs written by flyteidl2 decode as the same LiteralMap", () => {
  const bytes = encodeInputs({
    literals: [
      { name: "b", value: { scalar: { primitive: { boolean: true } } } },
      {
        name: "a",
        value: { collection: { literals: [{ scalar: { primitive: { floatValue: 1.5 } } }] } },
      },
    ],
    context: [{ key: "k", value: "v" }],
  });
  const map = decodeLiteralMap(bytes);
  assertEquals(map.literals?.b.scalar?.primitive?.boolean, true);
  assertEquals(map.literals?.a.collection?.literals?.[0].scalar?.primitive?.floatValue, 1.5);
});

Deno.test("decodeOutputs() outputs.pb from the runtime is Flyte 2's Outputs; an empty one is zero bytes", () => {
  const bytes = encodeLiteralMap({
    literals: {
      o0: { scalar: { primitive: { stringValue: "hi" } } },
      o1: { scalar: { primitive: { integer: toInt64(2n) } } },
    },
  });
  const outputs = decodeOutputs(bytes);
  assertEquals(outputs.literals?.map((l) => l.name), ["o0", "o1"]);
  assertEquals(outputs.literals?.[0].value?.scalar?.primitive?.stringValue, "hi");
  assertEquals(encodeLiteralMap({ literals: {} }).length, 0);
  assertEquals(decodeOutputs(new Uint8Array()).literals, []);
});

Deno.test("decodeFlyte2ErrorDocument() error.pb: fields 1-4 read by Flyte 2's ErrorDocument; Flyte 1's 5 and 6 are skipped", () => {
  const flyte2 = encodeErrorDocument({
    error: {
      code: "USER:SqlError",
      message: "no such table: t",
      kind: ContainerErrorKind.NON_RECOVERABLE,
      origin: ErrorKind.USER,
    },
  });
  const doc = decodeFlyte2ErrorDocument(flyte2);
  assertEquals(doc.error?.code, "USER:SqlError");
  assertEquals(doc.error?.kind, flyteidl2.core.ContainerError.Kind.NON_RECOVERABLE);
  assertEquals(doc.error?.origin, flyteidl2.core.ExecutionError.ErrorKind.USER);
  const flyte1 = encodeErrorDocument({
    error: {
      code: "SYSTEM:Aborted",
      kind: ContainerErrorKind.RECOVERABLE,
      origin: ErrorKind.SYSTEM,
      timestamp: { seconds: toInt64(1n) },
      worker: "w",
    },
  });
  const read = decodeFlyte2ErrorDocument(flyte1);
  assertEquals([read.error?.code, read.error?.kind, read.error?.origin], ["SYSTEM:Aborted", 1, 2]);
  // And the other way: Flyte 2's bytes are Flyte 1's.
  const back = decodeErrorDocument(encodeFlyte2ErrorDocument({ error: { code: "X", origin: 2 } }));
  assertEquals([back.error?.code, back.error?.origin], ["X", ErrorKind.SYSTEM]);
});

Deno.test("a Flyte 1 TaskTemplate is a Flyte 2 TaskTemplate: the interface's map is its entry list", () => {
  const bytes = encodeTaskTemplate({
    type: "sqlite",
    interface: {
      inputs: {
        variables: { limit: { type: { simple: SimpleType.INTEGER }, description: "limit" } },
      },
      outputs: { variables: { results: { type: { simple: SimpleType.STRING } } } },
    },
    custom: { fields: { query_template: { stringValue: "select 1" } } },
    container: { image: "i:1", args: ["a0"] },
  });
  const template = flyteidl2.core.TaskTemplate.decode(bytes);
  assertEquals(template.type, "sqlite");
  assertEquals(template.interface?.inputs?.variables?.map((v) => v.key), ["limit"]);
  assertEquals(
    template.interface?.inputs?.variables?.[0].value?.type?.simple,
    flyteidl2.core.SimpleType.INTEGER,
  );
  assertEquals(template.container?.args, ["a0"]);
  // And back.
  const again = decodeTaskTemplate(flyteidl2.core.TaskTemplate.encode(template).finish());
  assertEquals(Object.keys(again.interface?.outputs?.variables ?? {}), ["results"]);
});
