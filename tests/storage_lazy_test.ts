// Cloud clients are imported only when a URI of their scheme appears: a run on local files never
// loads them. The AWS SDK is CommonJS, so the probe counts its modules in Node's module cache; the
// Azure SDKs and google-auth-library load as ES modules, so the probe runs with an import map that
// maps them to a module that fails on load: the local run passes, the control runs trip over it.
import { removing } from "../_testing/temp.ts";
import { assert, assertEquals } from "@std/assert";

async function probe(mode: "local" | "s3"): Promise<{ awsModules: number; ms: number }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../_testing/storage_probe.ts", import.meta.url).pathname, mode],
    stderr: "inherit",
  }).output();
  assert(out.success, `probe ${mode} failed`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

Deno.test("storage: a local-files run never loads the AWS SDK; an s3:// URI does", async () => {
  const [local, s3] = await Promise.all([probe("local"), probe("s3")]);
  assertEquals(local.awsModules, 0, "the AWS SDK was loaded by a local-files run");
  assert(s3.awsModules > 10, `the control run loaded only ${s3.awsModules} AWS SDK modules`);
});

const POISONED = ["@azure/storage-blob", "@azure/identity", "google-auth-library"];

async function poisonedProbe(mode: string): Promise<string[]> {
  const root = new URL("../", import.meta.url);
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
  const dir = await Deno.makeTempDir({ prefix: "lazy-" });
  await using _dir = removing(dir);
  const poison = `${dir}/poison.ts`;
  await Deno.writeTextFile(poison, "throw new Error(`POISON: ${import.meta.url}`);\n");
  const imports: Record<string, string> = {};
  for (const [name, target] of Object.entries(config.imports as Record<string, string>)) {
    imports[name] = target.startsWith("./") ? new URL(target, root).href : target;
  }
  for (const name of POISONED) imports[name] = `file://${poison}`;
  await Deno.writeTextFile(`${dir}/map.json`, JSON.stringify({ imports }));
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `--import-map=${dir}/map.json`,
      new URL("../_testing/storage_probe.ts", import.meta.url).pathname,
      mode,
    ],
    cwd: new URL(".", root).pathname,
    stderr: "inherit",
  }).output();
  assert(out.success, `probe ${mode} failed`);
  return JSON.parse(new TextDecoder().decode(out.stdout)).errors;
}

Deno.test("storage: a local-files run never loads the Azure SDKs nor google-auth-library", async () => {
  const [local, abfs, gs] = await Promise.all([
    poisonedProbe("local"),
    poisonedProbe("abfs"),
    poisonedProbe("gs"),
  ]);
  assertEquals(local, []);
  // The control runs: the same probe does reach the clients when a URI needs them.
  assert(abfs.some((e) => e.includes("POISON")), JSON.stringify(abfs));
  assert(gs.some((e) => e.includes("POISON")), JSON.stringify(gs));
});

Deno.test("storage: only storage/azure.ts and storage/gcs.ts import the Azure and Google clients", async () => {
  const root = new URL("../", import.meta.url).pathname;
  const found: string[] = [];
  const visit = async (dir: string) => {
    for await (const entry of Deno.readDir(`${root}${dir}`)) {
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory) {
        if (
          !["node_modules", "tests", "_testing", "bench", ".git", "dist", "idl", ".tmp"].includes(
            entry.name,
          )
        ) {
          await visit(rel);
        }
      } else if (rel.endsWith(".ts") && !rel.endsWith("_test.ts")) {
        const text = await Deno.readTextFile(`${root}${rel}`);
        if (/["'](@azure\/|google-auth-library)/.test(text)) found.push(rel);
      }
    }
  };
  await visit("");
  assertEquals(found.sort(), ["storage/azure.ts", "storage/gcs.ts"]);
});

Deno.test("storage: only storage/s3.ts imports the AWS SDK", async () => {
  const root = new URL("../", import.meta.url).pathname;
  const importers: string[] = [];
  const visit = async (dir: string) => {
    for await (const entry of Deno.readDir(`${root}${dir}`)) {
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory) {
        if (
          !["node_modules", "tests", "_testing", "bench", ".git", "dist", "idl"].includes(
            entry.name,
          )
        ) {
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
