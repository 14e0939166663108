// `serialize --flyte2` and `package --flyte2` through the SDK's command line.
import { removing, tempDir } from "../_testing/temp.ts";
import { assertEquals, assertStringIncludes } from "@std/assert";
import { decodeFlyte2TaskSpec } from "../idl/flyte2.ts";
import { toFlyte2Json } from "../task/serialize_flyte2.ts";
import { runCli } from "./run_cli.ts";

Deno.test("runCli() serialize --flyte2 writes <name>.flyte2.pb and <name>.flyte2.json", async () => {
  const dir = await tempDir();
  await using _dir = removing(dir);
  const module = new URL("../examples/checksum/task.ts", import.meta.url).pathname;
  let out = "";
  const code = await runCli(["serialize", module, "--flyte2", "--output-dir", dir], {
    stdout: (t) => out += t,
    stderr: (t) => out += t,
  });
  assertEquals(code, 0, out);
  const spec = decodeFlyte2TaskSpec(await Deno.readFile(`${dir}/example.checksum.flyte2.pb`));
  assertEquals(spec.taskTemplate?.type, "checksum");
  const json = JSON.parse(await Deno.readTextFile(`${dir}/example.checksum.flyte2.json`));
  assertEquals(json.taskTemplate.container.args[0], "a0");
  assertEquals(json.taskTemplate.id.name, "example.checksum");
  assertEquals(json, JSON.parse(JSON.stringify(toFlyte2Json(spec))));
  const withId = await runCli([
    "serialize",
    module,
    "--flyte2",
    "--output-dir",
    dir,
    "--org",
    "acme",
    "--project",
    "flytesnacks",
    "--domain",
    "development",
    "--version",
    "v3",
  ], { stdout: () => {}, stderr: (t) => out += t });
  assertEquals(withId, 0, out);
  const identified = JSON.parse(await Deno.readTextFile(`${dir}/example.checksum.flyte2.json`));
  assertEquals(identified.taskTemplate.id, {
    resourceType: "TASK",
    org: "acme",
    project: "flytesnacks",
    domain: "development",
    name: "example.checksum",
    version: "v3",
  });
  assertEquals(identified.taskTemplate.container.args.slice(5, 7), ["--version", "v3"]);
  let err = "";
  const noFlyte2 = await runCli(["serialize", module, "--project", "p"], {
    stdout: () => {},
    stderr: (t) => err += t,
  });
  assertEquals(noFlyte2, 2);
  assertStringIncludes(err, 'go with "--flyte2"');
  const both = await runCli(["serialize", module, "--flyte2", "--flytekit-compatible"], {
    stdout: () => {},
    stderr: (t) => err += t,
  });
  assertEquals(both, 2);
  assertStringIncludes(err, "exclude each other");
  const pkg = await runCli(["package", module, "--flyte2"], {
    stdout: () => {},
    stderr: (t) => err += t,
  });
  assertEquals(pkg, 2);
  assertStringIncludes(err, "no registration package");
});
