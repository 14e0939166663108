import { assertEquals, assertRejects } from "@std/assert";
import { UserError } from "../../errors.ts";
import { runCommand, stderrTail } from "./process.ts";

Deno.test("stderrTail() keeps the last 20 lines without trailing white space", () => {
  const text = Array.from({ length: 30 }, (_, i) => `line ${i}`).join("\n") + "\n\n";
  const tail = stderrTail(new TextEncoder().encode(text)).split("\n");
  assertEquals([tail.length, tail[0], tail.at(-1)], [20, "line 10", "line 29"]);
});

Deno.test("runCommand() captures stdout up to its limit and refuses more", async () => {
  const base = { signal: new AbortController().signal, graceMs: 100 };
  const ok = await runCommand({
    ...base,
    argv: ["printf", "%s", "abc"],
    stdout: { to: "memory", maxBytes: 3 },
  });
  assertEquals(new TextDecoder().decode(ok.stdout), "abc");
  const error = await assertRejects(
    () =>
      runCommand({
        ...base,
        argv: ["printf", "%s", "abcd"],
        stdout: { to: "memory", maxBytes: 3 },
      }),
    UserError,
    "more than 3 bytes",
  );
  assertEquals(error.code, "USER:InvalidOutput");
});
