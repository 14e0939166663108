// Registration through the SDK command line: `package` and `serialize` of a module's tasks,
// read back with independent tools (GNU tar, Debian's protoc) as flytectl would need them.
import { tempDir } from "../_testing/temp.ts";
import { crossCheck, PROTOC } from "../_testing/tools.ts";
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { runCli } from "../cli/run_cli.ts";
import { protoc } from "../testdata/idl/protoc.ts";
import denoConfig from "../deno.json" with { type: "json" };

const MOD = new URL("../mod.ts", import.meta.url).href;
const FIXTURE_TEXT = new URL("../testdata/idl/flytekit-sqlite3/template.txt", import.meta.url);

const MODULE = `
import { sqlite3Task, sqlTask, Types } from "${MOD}";

export const tracks = sqlite3Task({
  name: "sql.tracks",
  image: "ghcr.io/acme/flyteshim:${denoConfig.version}",
  queryTemplate: "select TrackId, Name from tracks limit {{ .inputs.limit }}",
  uri: "s3://my-s3-bucket/chinook.zip",
  compressed: true,
  inputs: { limit: Types.integer },
  retries: 2,
  description: "First tracks",
});

export const users = sqlTask({
  name: "sql.users",
  image: "ghcr.io/acme/flyteshim:${denoConfig.version}",
  queryTemplate: "select id, name from users",
  uri: "postgresql://app@db:5432/app",
  secretConnectArgs: { password: { group: "db", key: "password" } },
});

export const notATask = 42;
`;

async function setup(): Promise<string> {
  const dir = await tempDir({ prefix: "sdk-package-" });
  await Deno.writeTextFile(`${dir}/tasks.ts`, MODULE);
  return dir;
}

async function cli(args: string[], cwd: string) {
  let stdout = "";
  let stderr = "";
  // The temporary folders have no deno.json for `deno check` to resolve the SDK's imports with;
  // tests/sdk_external_test.ts checks a real project's modules.
  if (!args.includes("--help")) args = [...args, "--no-check"];
  const code = await runCli(args, {
    cwd,
    stdout: (t) => stdout += t,
    stderr: (t) => stderr += t,
    tty: false,
  });
  return { code, stdout, stderr };
}

async function extract(tgz: string, into: string): Promise<string[]> {
  await Deno.mkdir(into, { recursive: true });
  const out = await new Deno.Command("tar", { args: ["-xzvf", tgz, "-C", into], stdout: "piped" })
    .output();
  assert(out.success);
  return new TextDecoder().decode(out.stdout).trim().split("\n");
}

/** The repeated `args: "..."` of a protoc text rendering. */
function argsOf(text: string): string[] {
  return [...text.matchAll(/^\s*args: "(.*)"$/gm)].map((m) => m[1]);
}

Deno.test(
  crossCheck(
    "package: TaskSpecs named <idx>_<name>_1.pb that protoc decodes with every field flytectl needs",
    ...PROTOC,
  ),
  async () => {
    const dir = await setup();
    const { code, stdout } = await cli(["package", "tasks.ts", "--output", "pkg.tgz"], dir);
    assertEquals(code, 0, stdout);
    const names = await extract(`${dir}/pkg.tgz`, `${dir}/x`);
    assertEquals(names, ["0_sql.tracks_1.pb", "1_sql.users_1.pb"]);
    for (
      const [file, type, executor] of [
        [names[0], "sqlite", "flyteshim.sqlite3"],
        [names[1], "sqlalchemy", "flyteshim.sql"],
      ]
    ) {
      const text = new TextDecoder().decode(
        await protoc(
          ["--decode=flyteidl.admin.TaskSpec", "flyteidl/admin/task.proto"],
          await Deno.readFile(`${dir}/x/${file}`),
        ),
      );
      assertStringIncludes(text, `type: "${type}"`);
      assertStringIncludes(text, "resource_type: TASK");
      assert(!/^\s*(project|domain|version): "/m.test(text.split("metadata {")[0]), text);
      assertStringIncludes(text, "type: FLYTE_SDK");
      assertStringIncludes(text, `version: "${denoConfig.version}"`);
      assertStringIncludes(text, 'flavor: "flyteshim"');
      assertStringIncludes(text, "interface {");
      assertStringIncludes(text, 'key: "results"');
      assertMatch(text, /image: "ghcr\.io\/acme\/flyteshim:[^"]+"/);
      const args = argsOf(text);
      assertEquals(args[0], "pyflyte-execute");
      assertEquals(args.slice(-4), ["flyteshim.resolver", "--", "{{.taskTemplatePath}}", executor]);
    }
    const tracks = new TextDecoder().decode(
      await protoc(
        ["--decode=flyteidl.admin.TaskSpec", "flyteidl/admin/task.proto"],
        await Deno.readFile(`${dir}/x/${names[0]}`),
      ),
    );
    assertStringIncludes(tracks, 'short_description: "First tracks"');
    assertStringIncludes(tracks, "retries: 2");
    const users = new TextDecoder().decode(
      await protoc(
        ["--decode=flyteidl.admin.TaskSpec", "flyteidl/admin/task.proto"],
        await Deno.readFile(`${dir}/x/${names[1]}`),
      ),
    );
    assertMatch(users, /security_context \{\s*secrets \{\s*group: "db"\s*key: "password"/);
  },
);

function assertMatch(text: string, pattern: RegExp): void {
  assert(pattern.test(text), `expected ${pattern} in:\n${text}`);
}

Deno.test("package --flytekit-compatible: flytekit's args with checkpoint flags; --override-image replaces", async () => {
  const dir = await setup();
  const { code } = await cli(
    [
      "package",
      "tasks.ts",
      "tracks",
      "-o",
      "fk.tgz",
      "--flytekit-compatible",
      "--override-image",
      "img:9",
    ],
    dir,
  );
  assertEquals(code, 0);
  const [name] = await extract(`${dir}/fk.tgz`, `${dir}/fk`);
  assertEquals(name, "0_sql.tracks_1.pb");
  const text = new TextDecoder().decode(
    await protoc(
      ["--decode=flyteidl.admin.TaskSpec", "flyteidl/admin/task.proto"],
      await Deno.readFile(`${dir}/fk/${name}`),
    ),
  );
  // flytekit's own args, plus the checkpoint flags pyflyte-execute also takes.
  const flytekit = argsOf(await Deno.readTextFile(FIXTURE_TEXT));
  const checkpoint = [
    "--checkpoint-path",
    "{{.checkpointOutputPrefix}}",
    "--prev-checkpoint",
    "{{.prevCheckpointPrefix}}",
  ];
  const at = flytekit.indexOf("--resolver");
  assertEquals(argsOf(text), [...flytekit.slice(0, at), ...checkpoint, ...flytekit.slice(at)]);
  assertStringIncludes(text, 'image: "img:9"');
});

Deno.test("sdk package: serialize --image fills only tasks without an image; --override-image replaces all", async () => {
  const dir = await setup();
  await Deno.writeTextFile(
    `${dir}/mixed.ts`,
    `import { defineTask } from "${MOD}";
export const own = defineTask({ name: "own", taskType: "t", executor: "x.own", image: "own:1" });
export const bare = defineTask({ name: "bare", taskType: "t", executor: "x.bare" });
`,
  );
  const imageOf = async (name: string) =>
    JSON.parse(await Deno.readTextFile(`${dir}/out/${name}.json`)).container.image;
  assertEquals((await cli(["serialize", "mixed.ts", "-o", "out", "--image", "d:2"], dir)).code, 0);
  assertEquals([await imageOf("own"), await imageOf("bare")], ["own:1", "d:2"]);
  assertEquals(
    (await cli(["serialize", "mixed.ts", "-o", "out", "--override-image", "o:3"], dir)).code,
    0,
  );
  assertEquals([await imageOf("own"), await imageOf("bare")], ["o:3", "o:3"]);
  // Several modules in one call; a module that fails to load leaves nothing written.
  await Deno.writeTextFile(
    `${dir}/more.ts`,
    `import { defineTask } from "${MOD}";
export const more = defineTask({ name: "more", taskType: "t", executor: "x.more", image: "m:1" });
`,
  );
  const both = await cli(["serialize", "mixed.ts", "own", "more.ts", "-o", "two"], dir);
  assertEquals(both.code, 0, both.stderr);
  assertEquals([...Deno.readDirSync(`${dir}/two`)].map((e) => e.name).sort(), [
    "more.json",
    "more.pb",
    "own.json",
    "own.pb",
  ]);
  const broken = await cli(["package", "mixed.ts", "missing.ts", "-o", "never.tgz"], dir);
  assertEquals(broken.code, 2);
  assertEquals(await Deno.stat(`${dir}/never.tgz`).then(() => true, () => false), false);
  const unserializable = await cli(["serialize", "more.ts", "mixed.ts", "-o", "three"], dir);
  assertEquals(unserializable.code, 2, "bare has no image");
  assertEquals(await Deno.stat(`${dir}/three`).then(() => true, () => false), false);
  const help = await cli(["serialize", "--help"], dir);
  assertStringIncludes(
    help.stdout,
    "--image IMAGE           the container image of tasks that set none",
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test(
  crossCheck(
    "serialize: the TaskTemplate as .pb (protoc decodes it) and as proto3 JSON",
    ...PROTOC,
  ),
  async () => {
    const dir = await setup();
    const { code, stdout } = await cli(
      ["serialize", "tasks.ts", "users", "--output-dir", "out"],
      dir,
    );
    assertEquals(code, 0, stdout);
    const text = new TextDecoder().decode(
      await protoc(
        ["--decode=flyteidl.core.TaskTemplate", "flyteidl/core/tasks.proto"],
        await Deno.readFile(`${dir}/out/sql.users.pb`),
      ),
    );
    assertStringIncludes(text, 'type: "sqlalchemy"');
    const json = JSON.parse(await Deno.readTextFile(`${dir}/out/sql.users.json`));
    assertEquals(json.type, "sqlalchemy");
    assertEquals(json.id, { resourceType: "TASK", name: "sql.users" });
    assertEquals(json.metadata.runtime.type, "FLYTE_SDK");
    assertEquals(json.custom.connect_args, {});
    assertEquals(json.securityContext.secrets, [{ group: "db", key: "password" }]);
  },
);

Deno.test("sdk package: registration commands explain a wrong module, export or flag", async () => {
  const dir = await setup();
  const missing = await cli(["package", "tasks.ts", "nope"], dir);
  assertEquals(missing.code, 2);
  assertStringIncludes(missing.stderr, 'Cannot find task "nope" in "tasks.ts": no such export');
  assertStringIncludes(missing.stderr, '"tracks", "users"');
  const notTask = await cli(["package", "tasks.ts", "notATask"], dir);
  assertStringIncludes(notTask.stderr, "the export is not a task");
  const noModule = await cli(["serialize", "missing.ts"], dir);
  assertEquals(noModule.code, 2);
  assertStringIncludes(noModule.stderr, 'Cannot load module "missing.ts"');
  const ambiguous = await cli(["run", "tasks.ts"], dir);
  assertEquals(ambiguous.code, 2);
  assertStringIncludes(ambiguous.stderr, 'Cannot choose a task in "tasks.ts": it exports 2');
  const badFlag = await cli(["package", "tasks.ts", "--bogus"], dir);
  assertEquals(badFlag.code, 2);
  assertStringIncludes(badFlag.stderr, "USER:InvalidArguments");
  assertStringIncludes(badFlag.stderr, "flytectl register files");
});
