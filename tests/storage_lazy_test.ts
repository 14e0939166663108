// The AWS SDK is imported only when an s3:// URI appears: a run on local files never loads it.
// The probe runs in a fresh process and reports the AWS SDK modules it loaded; the control run,
// which touches one s3:// URI, shows that the probe does see them when they load.
import { assert, assertEquals } from "@std/assert";

async function probe(mode: "local" | "s3"): Promise<{ awsModules: number; ms: number }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./_storage_probe.ts", import.meta.url).pathname, mode],
    stderr: "inherit",
  }).output();
  assert(out.success, `probe ${mode} failed`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

Deno.test("a local-files run never loads the AWS SDK; an s3:// URI does", async () => {
  const [local, s3] = await Promise.all([probe("local"), probe("s3")]);
  assertEquals(local.awsModules, 0, "the AWS SDK was loaded by a local-files run");
  assert(s3.awsModules > 10, `the control run loaded only ${s3.awsModules} AWS SDK modules`);
});

Deno.test("only storage/s3.ts imports the AWS SDK", async () => {
  const root = new URL("../", import.meta.url).pathname;
  const importers: string[] = [];
  const visit = async (dir: string) => {
    for await (const entry of Deno.readDir(`${root}${dir}`)) {
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory) {
        if (!["node_modules", "tests", "bench", ".git", "dist", "idl"].includes(entry.name)) {
          await visit(rel);
        }
      } else if (rel.endsWith(".ts") && !rel.endsWith("_test.ts")) {
        const text = await Deno.readTextFile(`${root}${rel}`);
        if (/from\s+["']@aws-sdk\/|import\(\s*["']@aws-sdk\//.test(text)) importers.push(rel);
      }
    }
  };
  await visit("");
  assertEquals(importers, ["storage/s3.ts"]);
});
