import { assertEquals, assertThrows } from "@std/assert";
import { Duration, Timestamp } from "../../types/values.ts";
import { parseDurationText, primitiveText, substitute } from "./files.ts";

Deno.test("primitiveText() writes primitives as copilot does", () => {
  assertEquals(primitiveText("a b\n"), "a b\n");
  assertEquals(primitiveText(12n), "12");
  assertEquals(primitiveText(0.5), "0.5");
  assertEquals(primitiveText(true), "true");
  assertEquals(primitiveText(null), "null");
  assertEquals(primitiveText(new Timestamp(0n, 0)), "1970-01-01T00:00:00.000000Z");
  assertEquals(primitiveText(Duration.fromMilliseconds(1500)), "1.5s");
  assertEquals(primitiveText([1]), undefined);
});

Deno.test("parseDurationText() reads Go, ISO 8601 and plain seconds", () => {
  assertEquals(parseDurationText("1h2m3.5s")?.toMilliseconds(), 3_723_500);
  assertEquals(parseDurationText("250ms")?.toMilliseconds(), 250);
  assertEquals(parseDurationText("PT1.5S")?.toMilliseconds(), 1500);
  assertEquals(parseDurationText("90")?.toMilliseconds(), 90_000);
  assertEquals(parseDurationText("-2s")?.toMilliseconds(), -2000);
  assertEquals(parseDurationText("1.5\u00b5s")?.nanos, 1500);
  assertEquals(parseDurationText("soon"), undefined);
});

Deno.test("substitute() replaces placeholders inside one argument and refuses unknown inputs", () => {
  const values = { text: { n: "3", path: "/in/path" }, inputDir: "/in", outputDir: "/out" };
  assertEquals(substitute("--n={{.inputs.n}} {{ .inputs.path }}", values), "--n=3 /in/path");
  assertEquals(substitute("{{.outputDir}}/x {{.inputDir}}", values), "/out/x /in");
  assertEquals(substitute("{{.other}}", values), "{{.other}}");
  assertThrows(() => substitute("{{.inputs.m}}", values), Error, 'the task has no input "m"');
});
