// `deno task bench`: runs every benchmark script in bench/, each standalone, one after another.
// Files named `*_bench.ts` are `deno bench` suites; every other `.ts` file is a whole-process
// script run with `deno run -A`. Exits non-zero if any of them fails.
const dir = new URL(".", import.meta.url).pathname;
const self = new URL(import.meta.url).pathname.split("/").pop();
const scripts: string[] = [];
for await (const entry of Deno.readDir(dir)) {
  if (
    entry.isFile && entry.name.endsWith(".ts") && entry.name !== self && !entry.name.startsWith("_")
  ) {
    scripts.push(entry.name);
  }
}
scripts.sort();
const failed: string[] = [];
for (const name of scripts) {
  const args = name.endsWith("_bench.ts")
    ? ["bench", "-A", `${dir}${name}`]
    : ["run", "-A", `${dir}${name}`];
  console.log(`\n== bench/${name} (deno ${args.slice(0, 2).join(" ")})`);
  const { code } = await new Deno.Command(Deno.execPath(), {
    args,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (code !== 0) failed.push(name);
}
if (failed.length) {
  console.error(`\nFailed: ${failed.map((f) => `bench/${f}`).join(", ")}`);
  Deno.exit(1);
}
