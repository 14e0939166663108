// Runs Debian's protoc (package protobuf-compiler, plus libprotobuf-dev for the google protos)
// against the flyteidl protos, for cross-check tests.
const PROTOS = new URL("../../node_modules/@flyteorg/flyteidl/protos/", import.meta.url).pathname;

/** The .proto file that defines each fixture message type. */
export const PROTO_FILE: Record<string, string> = {
  "flyteidl.core.LiteralMap": "flyteidl/core/literals.proto",
  "flyteidl.core.TaskTemplate": "flyteidl/core/tasks.proto",
};

/** Runs protoc with `input` on stdin and returns its stdout. */
export async function protoc(args: string[], input: Uint8Array): Promise<Uint8Array> {
  const child = new Deno.Command("protoc", {
    args: ["-I", PROTOS, "-I", "/usr/include", ...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(input);
  await writer.close();
  const out = await child.output();
  if (!out.success) throw new Error(`protoc failed: ${new TextDecoder().decode(out.stderr)}`);
  return out.stdout;
}
