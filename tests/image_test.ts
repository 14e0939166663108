// Static checks of the Dockerfile and of the build tasks it relies on (no Docker engine here), and
// the compiled binary itself where `deno compile` can run.
import { tempDir } from "../_testing/temp.ts";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";

const root = new URL("../", import.meta.url);
const dockerfile = await Deno.readTextFile(new URL("Dockerfile", root));
const denoJson = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
const tasks: Record<string, string> = denoJson.tasks;

interface Stage {
  from: string;
  name?: string;
  lines: string[];
}

/** Splits the Dockerfile into stages, joining continued lines and dropping comments. */
function stages(text: string): Stage[] {
  const logical = text.replace(/\\\n/g, " ").split("\n").map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
  const out: Stage[] = [];
  for (const line of logical) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) out.push({ from: from[1], name: from[2], lines: [] });
    else out.at(-1)?.lines.push(line);
  }
  return out;
}

/** The `--allow-*`, `--include` and `--v8-flags` flags of a task command. */
function flags(command: string, prefix: RegExp): string[] {
  return command.split(/\s+/).filter((f) => prefix.test(f)).sort();
}

const [build, runtime, ...extra] = stages(dockerfile);

Deno.test("image: Dockerfile has a pinned Deno builder and a distroless final stage", () => {
  assertEquals(extra.length, 0);
  assertMatch(build.from, /^denoland\/deno:(debian-|bin-|distroless-)?2\.9\.6$/);
  assertEquals(build.name, "build");
  assertEquals(runtime.from, "gcr.io/distroless/cc-debian12:nonroot");
});

Deno.test("image: Dockerfile builds with `deno task compile` and no flags of its own", () => {
  const run = build.lines.filter((l) => l.startsWith("RUN")).join(" ");
  assertStringIncludes(run, "deno task compile");
  const all = [...build.lines, ...runtime.lines].join("\n");
  assert(!/deno compile/.test(all), "the Dockerfile must not repeat the compile flags");
});

Deno.test("image: the image has the binary as flyteshim and as pyflyte-execute on PATH", () => {
  const run = build.lines.filter((l) => l.startsWith("RUN")).join(" ");
  assertMatch(run, /cp dist\/flyteshim \/out\/bin\/flyteshim/);
  assertMatch(run, /ln -s flyteshim \/out\/bin\/pyflyte-execute/);
  assert(runtime.lines.includes("COPY --from=build /out/bin/ /usr/local/bin/"));
});

Deno.test("image: the image ships each binary's V8 code cache where its first start wrote it", () => {
  // deno compile's binaries keep the cache in $TMPDIR/deno-compile-<file name>.cache.
  const run = build.lines.filter((l) => l.startsWith("RUN")).join(" ");
  assertMatch(run, /\/out\/bin\/flyteshim describe/);
  assertMatch(run, /\/out\/bin\/flyteshim-command describe/);
  assertMatch(
    run,
    /cp \/tmp\/deno-compile-flyteshim\.cache \/tmp\/deno-compile-flyteshim-command\.cache \/out\/tmp\//,
  );
  assert(runtime.lines.includes("COPY --from=build /out/tmp/ /tmp/"));
  assertMatch(runtime.lines.find((l) => l.startsWith("ENV")) ?? "", /TMPDIR=\/tmp/);
});

Deno.test("image: the image runs as non-root with an exec-form entrypoint (SIGTERM reaches the runtime)", () => {
  assert(runtime.lines.some((l) => /^USER\s+nonroot(:nonroot)?$/.test(l)));
  assert(runtime.lines.includes('ENTRYPOINT ["/usr/local/bin/flyteshim"]'));
  assertMatch(runtime.lines.find((l) => l.startsWith("ENV")) ?? "", /DENO_TLS_CA_STORE=system/);
});

Deno.test("image: `deno task compile` has the same permissions as `deno task execute` and includes every executor", async () => {
  const compile = tasks.compile;
  assertMatch(compile, /^deno compile /);
  assertMatch(compile, /--output dist\/flyteshim /);
  assertMatch(compile, / entrypoint\/main\.ts$/);
  // Permissions and runtime flags are those of `deno task execute` (what tests run).
  assertEquals(
    flags(compile, /^--(allow-|unstable-|v8-flags)/),
    flags(tasks.execute, /^--(allow-|unstable-|v8-flags)/),
  );
  assert(!compile.includes("-A ") && !compile.includes("--allow-all"));
  // Every lazily loaded built-in executor is named with --include, so the compiler sees it.
  const builtin = await Deno.readTextFile(new URL("executors/builtin.ts", root));
  // One module may serve several entries (the OpenAI upload and download executors).
  const lazy = [
    ...new Set([...builtin.matchAll(/import\("\.\/([^"]+)"\)/g)].map((m) => `executors/${m[1]}`)),
  ];
  assert(lazy.length >= 2, "expected the built-in executors to be imported lazily");
  // Workers are started from a URL the compiler cannot follow: each must be included too.
  const workers: string[] = [];
  for await (const dir of ["parquet", "executors/sqlite3", "executors/sql", "entrypoint"]) {
    for (const entry of Deno.readDirSync(new URL(dir, root))) {
      if (!entry.name.endsWith(".ts")) continue;
      const code = await Deno.readTextFile(new URL(`${dir}/${entry.name}`, root));
      for (const m of code.matchAll(/new URL\("\.\/([\w.]+_worker\.ts)", import\.meta\.url\)/g)) {
        workers.push(`${dir}/${m[1]}`);
      }
    }
  }
  assert(workers.length >= 1, "expected the parquet worker");
  const included = [...compile.matchAll(/--include (\S+)/g)].map((m) => m[1]).sort();
  assertEquals(included, [...lazy, ...workers].sort());
});

Deno.test("image: the runtime's lazy imports name their module with a string, so the compiler includes it", async () => {
  // `deno compile` follows `import("./x.ts")` (a string literal) on its own; any other
  // specifier would need an --include, which the test above limits to executors and workers.
  const computed: string[] = [];
  let lazy = 0;
  const folders = ["entrypoint", "executors", "parquet", "storage", "types", "resolver", "secrets"];
  for (const dir of [...folders, "idl"]) {
    for await (const path of tsFiles(new URL(`${dir}/`, root))) {
      const lines = (await Deno.readTextFile(path)).split("\n");
      lines.forEach((line, i) => {
        if (/^\s*(\/?\*|\/\/)/.test(line)) return; // comments
        for (const m of line.matchAll(/(?<![\w.])import\(\s*(\S)/g)) {
          if (m[1] === '"') lazy++;
          else computed.push(`${path.pathname.slice(root.pathname.length)}:${i + 1}`);
        }
      });
    }
  }
  assertEquals(computed, []);
  assert(lazy >= 20, `expected the runtime's lazy imports, found ${lazy}`);
});

/** The TypeScript modules under a folder, tests and generated code left out. */
async function* tsFiles(dir: URL): AsyncGenerator<URL> {
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isDirectory && entry.name !== "gen") yield* tsFiles(new URL(`${entry.name}/`, dir));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith("_test.ts")) {
      yield new URL(entry.name, dir);
    }
  }
}

Deno.test("image: `deno task compile:command` is `deno task compile` plus --allow-run, as flyteshim-command", () => {
  const command = tasks["compile:command"];
  assertEquals(
    command.replace(" --allow-run", "").replace("dist/flyteshim-command", "dist/flyteshim"),
    tasks.compile,
  );
  assertEquals(
    tasks["execute:command"].replace(" --allow-run", ""),
    tasks.execute,
  );
  const run = build.lines.filter((l) => l.startsWith("RUN")).join(" ");
  assertMatch(run, /deno task compile:command/);
  assertMatch(run, /cp dist\/flyteshim-command \/out\/bin\/flyteshim-command/);
});

Deno.test("image: `deno task bundle` splits code so lazy imports stay lazy", () => {
  assertMatch(tasks.bundle, /^deno bundle .*--code-splitting/);
  assertMatch(tasks.bundle, /--outdir dist\/bundle/);
  assertMatch(tasks.bundle, / entrypoint\/main\.ts$/);
});

/**
 * Whether `deno compile` can get its runtime: from DENORT_BIN, or from Deno's download server
 * when it answers (a quick probe; the build machines here reach neither).
 */
async function compileCanRun(): Promise<string | undefined> {
  if (Deno.env.get("DENORT_BIN")) return undefined;
  try {
    await fetch("https://dl.deno.land/", { method: "HEAD", signal: AbortSignal.timeout(3000) });
    return undefined;
  } catch (error) {
    return `deno compile cannot fetch its runtime here (${
      (error as Error).message
    }); set DENORT_BIN`;
  }
}

const cannotCompile = await compileCanRun();
Deno.test({
  name: cannotCompile
    ? `the compiled binary runs flytekit's fixture as pyflyte-execute (skipped: ${cannotCompile})`
    : "the compiled binary runs flytekit's fixture as pyflyte-execute",
  ignore: cannotCompile !== undefined,
  async fn() {
    const compile = await new Deno.Command(Deno.execPath(), {
      args: ["task", "compile"],
      cwd: root,
      stderr: "piped",
    }).output();
    assert(compile.success, new TextDecoder().decode(compile.stderr));
    const binary = new URL("dist/flyteshim", root).pathname;
    const out = await new Deno.Command(binary, { args: ["describe"] }).output();
    assert(out.success);
    assertStringIncludes(new TextDecoder().decode(out.stdout), "flyteshim.sqlite3");
    // As in the image: the binary under the name pyflyte-execute, flytekit's args as they are.
    const dir = await tempDir();
    const link = `${dir}/pyflyte-execute`;
    await Deno.symlink(binary, link);
    const { decodeLiteralMap, decodeTaskTemplate, jsonToStruct, structToJson } = await import(
      "../idl/mod.ts"
    );
    const { runPropeller } = await import("../_testing/propeller.ts");
    const { FIXTURE_DIR, TEMPLATE_DIR } = await import("../_testing/sqlite3.ts");
    const template = decodeTaskTemplate(await Deno.readFile(`${TEMPLATE_DIR}template.pb`));
    template.custom = jsonToStruct({
      ...structToJson(template.custom),
      uri: `${FIXTURE_DIR}chinook-mini.db`,
    });
    const run = await runPropeller({
      program: [link],
      template,
      inputs: decodeLiteralMap(await Deno.readFile(`${TEMPLATE_DIR}inputs.pb`)),
      args: template.container!.args!.slice(1),
    });
    assertEquals(run.code, 0, run.stderr);
    assertEquals(run.files, ["outputs.pb"], run.error?.message ?? "");
    await Deno.remove(dir, { recursive: true });
  },
});
