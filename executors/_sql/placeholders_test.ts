import { assert, assertEquals } from "@std/assert";
import { findPlaceholders, type Placeholder, placeholderAt } from "./placeholders.ts";

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

// The expression `placeholderAt` follows by hand (see placeholders.ts).
const PATTERN =
  /\{\{\s*[^\n][iI\u0130\u0131][nN][pP][uU][tT][sS\u017f][^\n]([\p{L}\p{N}_]+)\s*\}\}/uy;

function byPattern(text: string, at: number): Placeholder | undefined {
  PATTERN.lastIndex = at;
  const m = PATTERN.exec(text);
  return m ? { start: at, end: at + m[0].length, name: m[1] } : undefined;
}

Deno.test("placeholderAt() matches as flytekit's pattern written as a Unicode regular expression", () => {
  // Near-placeholders from parts that probe each piece of the pattern: white space JavaScript's
  // \s takes or not (U+180E, U+001C, U+0085), newlines, the folded letters, names beyond ASCII,
  // surrogate pairs and lone surrogates.
  const spaces = [
    "",
    " ",
    "  ",
    "\n",
    "\t",
    "\u00a0",
    "\u2028",
    "\ufeff",
    "\u3000",
    "\u180e",
    "\u001c",
  ];
  const dots = [".", " ", "\n", "x", "\u{1d400}", "\ud800", "\u0085", ""];
  const inputs = ["inputs", "INPUTS", "\u0130nput\u017f", "\u0131nputs", "input", "inputz"];
  const names = [
    "x",
    "_",
    "1",
    "\u00e9",
    "\u00b2",
    "\u00aa",
    "\u{1d400}",
    "\u{1f600}",
    "\ud800",
    "-",
    "",
  ];
  const ends = ["}}", "}", "} }", "}}}", ""];
  let seed = 7;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8;
  const pick = (xs: readonly string[]) => xs[next() % xs.length];
  let matched = 0;
  for (let n = 0; n < 20_000; n++) {
    let text = pick(["", "a", "{", "{{", " "]);
    for (let k = 1 + next() % 2; k > 0; k--) {
      text += "{{" + pick(spaces) + pick(spaces) + pick(dots) + pick(inputs) + pick(dots);
      for (let j = next() % 4; j > 0; j--) text += pick(names);
      text += pick(spaces) + pick(ends);
    }
    for (let at = 0; at < text.length; at++) {
      const expected = byPattern(text, at);
      assertEquals(placeholderAt(text, at), expected, `${JSON.stringify(text)} at ${at}`);
      if (expected) matched++;
    }
  }
  assert(matched > 1000, `only ${matched} matches among the random texts`);
});
