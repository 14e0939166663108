import { assertEquals } from "@std/assert";
import { findPlaceholders } from "./placeholders.ts";

Deno.test("findPlaceholders() follows flytekit's pattern", () => {
  const names = (t: string) => findPlaceholders(t).map((p) => p.name);
  assertEquals(names("{{.inputs.a}} {{ .inputs.b }} {{   .INPUTS.c\n}}"), ["a", "b", "c"]);
  // flytekit's dots are unescaped: any character but a newline stands for them.
  assertEquals(names("{{ inputs.a }} {{ xinputs_b }}"), ["a", "b"]);
  assertEquals(names("{{ .rawOutputDataPrefix }} {{ .inputs. }} {{.inputs\n.x}}"), []);
  assertEquals(names("{{ .inputs.naïve_1 }}"), ["naïve_1"]);
  // Python's IGNORECASE: every case of "inputs", and the letters it folds to i and s.
  assertEquals(
    names("{{ .InPuTs.a }} {{ .ınputs.b }} {{ .İnputs.c }} {{ .inputſ.d }} {{ .outputs.e }}"),
    ["a", "b", "c", "d"],
  );
});
