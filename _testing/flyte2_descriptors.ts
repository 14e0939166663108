// Flyte 2's message classes for independent implementations (Debian's protoc and python3-protobuf):
// a descriptor set of @flyteorg/flyteidl2's files (tools/gen_idl.ts) with protoc's own
// google/protobuf files in place of protobufjs's.
import { flyte2DescriptorSet } from "../tools/gen_idl.ts";

let built: Promise<string> | undefined;

async function run(cmd: string, args: string[], stdin?: Uint8Array): Promise<Uint8Array> {
  const child = new Deno.Command(cmd, {
    args,
    stdin: stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin) {
    const writer = child.stdin.getWriter();
    await writer.write(stdin);
    await writer.close();
  }
  const out = await child.output();
  if (!out.success) throw new Error(`${cmd} failed: ${new TextDecoder().decode(out.stderr)}`);
  return out.stdout;
}

/** Skips one length-delimited field 1 entry (a FileDescriptorProto) and returns its end. */
function entryEnd(bytes: Uint8Array, at: number): [number, number] {
  let len = 0;
  let shift = 0;
  let i = at + 1;
  for (;;) {
    const b = bytes[i++];
    len |= (b & 0x7f) << shift;
    if (b < 0x80) break;
    shift += 7;
  }
  return [i, i + len];
}

/** The path of a descriptor set file: protoc's well-known types, then Flyte 2's files. */
export function flyte2DescriptorSetFile(): Promise<string> {
  return built ??= (async () => {
    const wkt = await Deno.makeTempFile({ suffix: ".fds" });
    await run("protoc", [
      `--descriptor_set_out=${wkt}`,
      "-I/usr/include",
      ...["timestamp", "duration", "struct", "wrappers"].map((n) => `google/protobuf/${n}.proto`),
    ]);
    const ours = await flyte2DescriptorSet();
    // Leave out protobufjs's own copy of the well-known types (its first file).
    const [, firstEnd] = entryEnd(ours, 0);
    const path = await Deno.makeTempFile({ suffix: ".fds" });
    const set = new Uint8Array([...await Deno.readFile(wkt), ...ours.subarray(firstEnd)]);
    await Deno.writeFile(path, set);
    await Deno.remove(wkt);
    globalThis.addEventListener("unload", () => {
      try {
        Deno.removeSync(path);
      } catch { /* gone */ }
    });
    return path;
  })();
}

/** `protoc --decode` of Flyte 2 message bytes: protobuf's text format. */
export async function protocDecode(type: string, bytes: Uint8Array): Promise<string> {
  const set = await flyte2DescriptorSetFile();
  const out = await run("protoc", [`--descriptor_set_in=${set}`, `--decode=${type}`], bytes);
  return new TextDecoder().decode(out);
}

const PYTHON = `
import sys
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
fds = descriptor_pb2.FileDescriptorSet.FromString(open(sys.argv[1], "rb").read())
pool = descriptor_pool.DescriptorPool()
for f in fds.file:
    pool.Add(f)
cls = message_factory.MessageFactory(pool).GetPrototype(pool.FindMessageTypeByName(sys.argv[2]))
print(json_format.MessageToJson(cls.FromString(sys.stdin.buffer.read())))
`;

/** protobuf's json_format rendering of Flyte 2 message bytes (Debian's python3-protobuf). */
export async function pythonJson(type: string, bytes: Uint8Array): Promise<unknown> {
  const set = await flyte2DescriptorSetFile();
  const out = await run("/usr/bin/python3", ["-c", PYTHON, set, type], bytes);
  return JSON.parse(new TextDecoder().decode(out));
}
