// The example executor through its own three-line entrypoint, exactly as propeller would start
// it (the template's container args with the placeholders filled), and through a local run.
import { tempDir } from "../../_testing/temp.ts";
import { assertEquals, assertStringIncludes } from "@std/assert";
import {
  decodeErrorDocument,
  decodeLiteralMap,
  encodeLiteralMap,
  encodeTaskTemplate,
} from "../../idl/mod.ts";
import { defineTask, toTaskTemplate } from "../../task/mod.ts";
import { createStorage } from "../../storage/mod.ts";
import { valuesToLiteralMap } from "../../types/mod.ts";
import { checksum } from "./task.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

async function sha256sum(path: string): Promise<string> {
  const out = await new Deno.Command("sha256sum", { args: [path], stdout: "piped" }).output();
  return new TextDecoder().decode(out.stdout).split(" ")[0];
}

/** Runs `examples/checksum/main.ts` with a template's args, as a pod would. */
async function runPod(template: ReturnType<typeof toTaskTemplate>, dir: string) {
  await Deno.writeFile(`${dir}/task.pb`, encodeTaskTemplate(template));
  const fill: Record<string, string> = {
    "{{.input}}": `${dir}/inputs.pb`,
    "{{.outputPrefix}}": `${dir}/out`,
    "{{.rawOutputDataPrefix}}": `${dir}/raw`,
    "{{.checkpointOutputPrefix}}": `${dir}/cp`,
    "{{.prevCheckpointPrefix}}": '""',
    "{{.taskTemplatePath}}": `${dir}/task.pb`,
  };
  const args = (template.container?.args ?? []).map((a) => fill[a] ?? a);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}examples/checksum/main.ts`, ...args],
    cwd: ROOT,
    env: { FLYTESHIM_LOG_LEVEL: "error" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("checksum: the example executor runs in its own entrypoint from the template's args", async () => {
  const dir = await tempDir();
  await Deno.writeTextFile(`${dir}/data.txt`, "flyteshim\n".repeat(1000));
  const template = toTaskTemplate(checksum);
  const inputs = await valuesToLiteralMap(
    { file: `${dir}/data.txt` },
    template.interface?.inputs?.variables ?? {},
    { storage: createStorage(), rawOutputPrefix: `${dir}/uploads` },
  );
  await Deno.writeFile(`${dir}/inputs.pb`, encodeLiteralMap(inputs));
  const { code, stderr } = await runPod(template, dir);
  assertEquals(code, 0, stderr);
  const outputs = decodeLiteralMap(await Deno.readFile(`${dir}/out/outputs.pb`));
  assertEquals(
    outputs.literals?.digest.scalar?.primitive?.stringValue,
    await sha256sum(`${dir}/data.txt`),
  );
  assertEquals(Number(outputs.literals?.size.scalar?.primitive?.integer), 10_000);
});

Deno.test("checksum: bad config reaches error.pb as a user error", async () => {
  const dir = await tempDir();
  await Deno.writeTextFile(`${dir}/data.txt`, "x");
  const bad = defineTask({ ...checksum.options, config: { algorithm: "MD5" } });
  const template = toTaskTemplate(bad);
  await Deno.writeFile(
    `${dir}/inputs.pb`,
    encodeLiteralMap(
      await valuesToLiteralMap(
        { file: `${dir}/data.txt` },
        template.interface?.inputs?.variables ?? {},
        { storage: createStorage(), rawOutputPrefix: `${dir}/uploads` },
      ),
    ),
  );
  const { code } = await runPod(template, dir);
  assertEquals(code, 0);
  const doc = decodeErrorDocument(await Deno.readFile(`${dir}/out/error.pb`));
  assertEquals(doc.error?.code, "USER:InvalidConfig");
  assertStringIncludes(doc.error?.message ?? "", '"MD5"');
});

Deno.test("checksum: the example task runs locally through task.run", async () => {
  const dir = await tempDir();
  await Deno.writeTextFile(`${dir}/a.txt`, "abc");
  const { digest, size } = await checksum.run({ file: `${dir}/a.txt` });
  assertEquals(digest, await sha256sum(`${dir}/a.txt`));
  assertEquals(size, 3n);
});
