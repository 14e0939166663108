// The example executor through the executor conformance suite, as a third-party executor runs it:
// its own three-line entrypoint as the program, its task serialized by the SDK as the template.
import { assertEquals } from "@std/assert";
import { defineTask, toTaskTemplate } from "../../task/mod.ts";
import type { LiteralMap } from "../../idl/mod.ts";
import { executorConformance } from "../../_testing/executor_conformance.ts";
import { denoProgram } from "../../_testing/propeller.ts";
import { tempDir } from "../../_testing/temp.ts";
import { checksum } from "./task.ts";

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test("checksum: the example executor conforms to the executor contract", async (t) => {
  const dir = await tempDir();
  const files = ["a", "bb", "ccc"].map((text, i) => ({
    path: `${dir}/${i}.txt`,
    bytes: new TextEncoder().encode(text.repeat(1000)),
  }));
  for (const file of files) await Deno.writeFile(file.path, file.bytes);
  // A server that takes connections and never answers: the download waits until the run stops.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) held.push(conn);
  })().catch(() => {});
  await using _stalled = {
    async [Symbol.asyncDispose]() {
      listener.close();
      for (const conn of held) conn.close();
      await accepting;
    },
  };
  const stalled = `http://127.0.0.1:${listener.addr.port}/never.txt`;
  // The input as propeller passes it: a blob literal pointing at the file where it is.
  const blob = toTaskTemplate(checksum).interface!.inputs!.variables!.file.type!.blob!;
  const inputs = (uri: string): LiteralMap => ({
    literals: { file: { scalar: { blob: { uri, metadata: { type: blob } } } } },
  });

  await executorConformance(t, {
    program: denoProgram("examples/checksum/main.ts"),
    template: (custom = {}) =>
      toTaskTemplate(
        defineTask({
          ...checksum.options,
          config: { ...checksum.options.config, ...custom } as never,
        }),
      ),
    inputs: () => inputs(files[0].path),
    checkOutputs: async (run) => {
      const out = run.outputs!.literals!;
      assertEquals(out.digest.scalar?.primitive?.stringValue, await sha256(files[0].bytes));
      assertEquals(Number(out.size.scalar?.primitive?.integer), files[0].bytes.length);
    },
    badConfig: { algorithm: "MD5" },
    failure: {
      inputs: () => inputs(`${dir}/missing.txt`),
      code: "USER:NotFound",
      recoverable: false,
      origin: "user",
      message: "missing.txt",
    },
    slow: { inputs: () => inputs(stalled) },
    array: {
      inputs: () => ({
        literals: {
          file: { collection: { literals: files.map((f) => inputs(f.path).literals!.file) } },
        },
      }),
      index: 1,
      check: async (run) => {
        const out = run.outputs!.literals!;
        assertEquals(out.digest.scalar?.primitive?.stringValue, await sha256(files[1].bytes));
      },
    },
  });
});
