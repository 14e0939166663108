import { assert } from "@std/assert";

Deno.test("idl/gen/ and task/_proto_json_schema.ts are what `deno task gen` generates", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../tools/gen_idl.ts", import.meta.url).pathname, "--check"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(out.success, new TextDecoder().decode(out.stderr));
});
