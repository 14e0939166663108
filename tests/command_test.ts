// The command executor through the propeller harness, with real programs (coreutils, python3, a
// Deno script): inputs of every kind delivered as files, outputs of every kind collected, standard
// output, secrets, array tasks, local files and a real S3 server, and every way a command can fail.
import { removing } from "../_testing/temp.ts";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { fromInt64 } from "../idl/mod.ts";
import { createStorage, joinUri, type Storage } from "../storage/mod.ts";
import {
  Duration,
  FlyteDirectory,
  FlyteFile,
  fromLiteral,
  StructuredDataset,
  Timestamp,
  Types,
} from "../types/mod.ts";
import { type CommandRun, runCommandTask } from "../_testing/command.ts";
import { DEFAULT_PROGRAM } from "../_testing/propeller.ts";
import { startS3rver } from "../_testing/s3rver.ts";

const PYTHON_ALL_KINDS = `
import json, os, sys
inp, out = os.environ["FLYTESHIM_INPUT_DIR"], os.environ["FLYTESHIM_OUTPUT_DIR"]
seen = {}
for root, dirs, files in os.walk(inp):
    for f in files:
        p = os.path.join(root, f)
        rel = os.path.relpath(p, inp)
        if rel == "inputs.json":
            continue
        seen[rel] = open(p, "rb").read().decode("utf-8", "replace")
whole = json.load(open(os.path.join(inp, "inputs.json")))
print(json.dumps({"files": seen, "whole": whole, "argv": sys.argv[1:]}, sort_keys=True))
def w(name, text):
    open(os.path.join(out, name), "w").write(text)
w("i", "42\\n"); w("f", "2.5"); w("b", "true\\n"); w("s", "line one\\nline two\\n")
w("t", "2024-05-01T12:30:00Z"); w("d", "1h2m3.5s")
w("xs", "[1, 2, 3]"); w("m", '{"a": "x", "b": "y"}')
w("meta", json.dumps({"seen": json.load(open(os.path.join(inp, "cfg")))["depth"], "ok": True}))
open(os.path.join(out, "bin"), "wb").write(bytes(range(256)))
os.makedirs(os.path.join(out, "dir", "nested", "deeper"))
w("dir/top.txt", "top"); w("dir/nested/deeper/leaf.txt", "leaf")
os.makedirs(os.path.join(out, "ds"))
open(os.path.join(out, "ds", "00000"), "wb").write(b"PAR1-not-really")
`;

const ALL_INPUTS = {
  i: Types.integer,
  f: Types.float,
  s: Types.string,
  b: Types.boolean,
  t: Types.datetime,
  d: Types.duration,
  xs: Types.list(Types.integer),
  m: Types.map(Types.string),
  file: Types.file("csv"),
  dir: Types.directory(),
  ds: Types.structuredDataset(),
  cfg: Types.struct(),
};

const ALL_OUTPUTS = {
  i: Types.integer,
  f: Types.float,
  b: Types.boolean,
  s: Types.string,
  t: Types.datetime,
  d: Types.duration,
  xs: Types.list(Types.integer),
  m: Types.map(Types.string),
  bin: Types.file("bin"),
  dir: Types.directory(),
  ds: Types.structuredDataset(),
  meta: Types.struct(),
  report: Types.string,
};

/** Local sources of the file, folder (with nested files) and dataset inputs. */
async function localSources(): Promise<{ file: string; dir: string; ds: string }> {
  const base = await Deno.makeTempDir({ prefix: "flyteshim-cmd-src-" });
  await Deno.writeTextFile(`${base}/rows.csv`, "a,b\n1,2\n");
  await Deno.mkdir(`${base}/folder/sub/subsub`, { recursive: true });
  await Deno.writeTextFile(`${base}/folder/root.txt`, "root");
  await Deno.writeTextFile(`${base}/folder/sub/subsub/deep.txt`, "deep");
  await Deno.mkdir(`${base}/dataset`);
  await Deno.writeTextFile(`${base}/dataset/00000`, "parquet bytes");
  return { file: `${base}/rows.csv`, dir: `${base}/folder`, ds: `${base}/dataset` };
}

async function allKinds(
  options: { storage: Storage; root?: string; rawPrefix?: string; env?: Record<string, string> },
) {
  const src = await localSources();
  const scriptDir = await Deno.makeTempDir({ prefix: "flyteshim-cmd-py-" });
  await Deno.writeTextFile(`${scriptDir}/all.py`, PYTHON_ALL_KINDS);
  // The dataset input points at a folder already in storage.
  const dsUri = joinUri(options.rawPrefix ?? src.ds, options.rawPrefix ? "dataset" : "");
  if (options.rawPrefix) await options.storage.uploadDir(src.ds, dsUri);
  const run: CommandRun = {
    custom: {
      command: ["python3", `${scriptDir}/all.py`, "{{.inputs.s}}", "{{.inputs.file}}"],
      stdout: "report",
      inputs_format: "json",
    },
    inputs: ALL_INPUTS,
    values: {
      i: 7n,
      f: 1.25,
      s: "two words; $(rm -rf /) 'quoted'",
      b: false,
      t: Timestamp.fromDate(new Date("2024-01-02T03:04:05Z")),
      d: Duration.fromMilliseconds(90_500),
      xs: [1n, 2n, 3n],
      m: { k1: "v1", k2: "v2" },
      file: FlyteFile.fromLocal(src.file, { format: "csv" }),
      dir: FlyteDirectory.fromLocal(src.dir),
      ds: new StructuredDataset({ uri: options.rawPrefix ? dsUri : src.ds }),
      cfg: { depth: 3, tags: ["a", "b"] },
    },
    outputs: ALL_OUTPUTS,
  };
  const result = await runCommandTask(run, { ...options });
  await Deno.remove(scriptDir, { recursive: true });
  await Deno.remove(src.file.slice(0, src.file.lastIndexOf("/")), { recursive: true });
  return result;
}

async function checkAllKinds(result: Awaited<ReturnType<typeof allKinds>>, rawPrefix: string) {
  assertEquals(result.code, 0, result.stderr);
  assertEquals(result.files, ["outputs.pb"], result.error?.message ?? "");
  const lit = result.outputs!.literals!;
  const report = JSON.parse(lit.report.scalar!.primitive!.stringValue!);
  // Each argv element stayed one argument, no shell saw it; a file placeholder is its local path.
  assertEquals(report.argv[0], "two words; $(rm -rf /) 'quoted'");
  assertMatch(report.argv[1], /\/inputs\/file$/);
  const files = report.files as Record<string, string>;
  assertEquals(files.i, "7");
  assertEquals(files.f, "1.25");
  assertEquals(files.b, "false");
  assertEquals(files.s, "two words; $(rm -rf /) 'quoted'");
  assertEquals(files.t, "2024-01-02T03:04:05.000000Z");
  assertEquals(files.d, "90.5s");
  assertEquals([files["xs/0"], files["xs/1"], files["xs/2"]], ["1", "2", "3"]);
  assertEquals([files["m/k1"], files["m/k2"]], ["v1", "v2"]);
  assertEquals(files.file, "a,b\n1,2\n");
  // A folder arrives with its nested files (copilot's issue #3632 delivers it empty).
  assertEquals(files["dir/root.txt"], "root");
  assertEquals(files["dir/sub/subsub/deep.txt"], "deep");
  assertEquals(files["ds/00000"], "parquet bytes");
  assertEquals(JSON.parse(files.cfg), { depth: 3, tags: ["a", "b"] });
  assertEquals(report.whole.i, 7);
  assertEquals(report.whole.xs, [1, 2, 3]);
  assertEquals(report.whole.m, { k1: "v1", k2: "v2" });
  assertMatch(report.whole.dir, /\/inputs\/dir$/);
  // Outputs of every kind.
  assertEquals(fromInt64(lit.i.scalar!.primitive!.integer), 42n);
  assertEquals(lit.f.scalar!.primitive!.floatValue, 2.5);
  assertEquals(lit.b.scalar!.primitive!.boolean, true);
  assertEquals(lit.s.scalar!.primitive!.stringValue, "line one\nline two");
  assertEquals(fromInt64(lit.t.scalar!.primitive!.datetime!.seconds), 1714566600n);
  assertEquals(fromInt64(lit.d.scalar!.primitive!.duration!.seconds), 3723n);
  assertEquals(lit.d.scalar!.primitive!.duration!.nanos, 500_000_000);
  assertEquals(
    lit.xs.collection!.literals!.map((l) => fromInt64(l.scalar!.primitive!.integer)),
    [1n, 2n, 3n],
  );
  assertEquals(lit.m.map!.literals!.b.scalar!.primitive!.stringValue, "y");
  assertEquals(await fromLiteral(lit.meta, Types.struct()), { seen: 3, ok: true });
  const bin = lit.bin.scalar!.blob!;
  assert(bin.uri!.startsWith(`${rawPrefix}/`), bin.uri!);
  assertEquals(bin.metadata!.type!.format, "bin");
  assertEquals(await result.storage.read(bin.uri!), new Uint8Array([...Array(256).keys()]));
  const dir = lit.dir.scalar!.blob!;
  assertEquals(dir.metadata!.type!.dimensionality, 1);
  const listed = (await result.storage.list(dir.uri!)).map((u) => u.slice(dir.uri!.length + 1));
  assertEquals(listed.sort(), ["nested/deeper/leaf.txt", "top.txt"]);
  const ds = lit.ds.scalar!.structuredDataset!;
  assertEquals(
    new TextDecoder().decode(await result.storage.read(`${ds.uri}/00000`)),
    "PAR1-not-really",
  );
}

Deno.test("command: every input and output kind, on local files", async () => {
  const result = await allKinds({ storage: createStorage() });
  await checkAllKinds(result, result.paths.rawOutputPrefix);
});

Deno.test("command: every input and output kind, on a real S3 server", async () => {
  await using s3 = await startS3rver({ buckets: ["flyte"] });
  const storage = createStorage({ s3: s3.config });
  const result = await allKinds({
    storage,
    root: "s3://flyte",
    rawPrefix: "s3://flyte/uploads",
    env: s3.env,
  });
  await checkAllKinds(result, result.paths.rawOutputPrefix);
  assert(result.paths.rawOutputPrefix.startsWith("s3://flyte/"));
});

Deno.test("command: a shell when asked, stdout as a file, a Deno script, the env with placeholders", async () => {
  const dir = await Deno.makeTempDir({ prefix: "flyteshim-cmd-deno-" });
  await using _dir = removing(dir);
  await Deno.writeTextFile(
    `${dir}/double.ts`,
    `const n = Number(await Deno.readTextFile(Deno.env.get("FLYTESHIM_INPUT_DIR") + "/n"));
     await Deno.writeTextFile(Deno.env.get("FLYTESHIM_OUTPUT_DIR") + "/twice", String(n * 2));
     console.log("greeting=" + Deno.env.get("GREETING"));`,
  );
  const deno = await runCommandTask({
    custom: {
      command: [Deno.execPath(), "run", "-A", "--quiet", `${dir}/double.ts`],
      env: { GREETING: "hello {{.inputs.n}}" },
      working_dir: dir,
      stdout: "log",
    },
    inputs: { n: Types.integer },
    values: { n: 21n },
    outputs: { twice: Types.integer, log: Types.file("txt") },
  });
  assertEquals(deno.code, 0, deno.stderr);
  assertEquals(deno.files, ["outputs.pb"], deno.error?.message ?? "");
  assertEquals(fromInt64(deno.outputs!.literals!.twice.scalar!.primitive!.integer), 42n);
  const log = deno.outputs!.literals!.log.scalar!.blob!.uri!;
  assertEquals(new TextDecoder().decode(await deno.storage.read(log)), "greeting=hello 21\n");

  const shell = await runCommandTask({
    custom: {
      command: ['echo "$1-$2" | tr a-z A-Z', "sh", "{{.inputs.a}}", "b c"],
      shell: true,
      stdout: "out",
    },
    inputs: { a: Types.string },
    values: { a: "x;y" },
    outputs: { out: Types.string },
  });
  assertEquals(
    shell.outputs?.literals?.out.scalar?.primitive?.stringValue,
    "X;Y-B C",
    shell.stderr,
  );
});

Deno.test("command: secrets reach the command from the environment and from files, never the logs", async () => {
  const secretsDir = await Deno.makeTempDir({ prefix: "flyteshim-cmd-secrets-" });
  await using _secretsDir = removing(secretsDir);
  await Deno.mkdir(`${secretsDir}/db`);
  await Deno.writeTextFile(`${secretsDir}/db/password`, "file-s3cret-value\n");
  const run = await runCommandTask({
    custom: {
      command: [
        "sh",
        "-c",
        'test "$_FSEC_API_TOKEN" = env-t0ken-value && test "$API_TOKEN" = env-t0ken-value && ' +
        'test "$(cat "$FLYTE_SECRETS_DEFAULT_DIR/db/password")" = file-s3cret-value && echo ok',
      ],
      stdout: "ok",
    },
    outputs: { ok: Types.string },
    secrets: [{ group: "api", key: "token", envVar: "API_TOKEN" }, {
      group: "db",
      key: "password",
    }],
  }, { env: { _FSEC_API_TOKEN: "env-t0ken-value", FLYTE_SECRETS_DEFAULT_DIR: secretsDir } });
  assertEquals(run.outputs?.literals?.ok.scalar?.primitive?.stringValue, "ok", run.stderr);
  assert(!`${run.stdout}${run.stderr}`.includes("t0ken-value"));
  assert(!`${run.stdout}${run.stderr}`.includes("s3cret-value"));
  // A command that prints a secret on failure: the error document has it redacted.
  const leak = await runCommandTask({
    custom: { command: ["sh", "-c", 'echo "token is $_FSEC_API_TOKEN" >&2; exit 1'] },
    secrets: [{ group: "api", key: "token" }],
  }, { env: { _FSEC_API_TOKEN: "env-t0ken-value" } });
  assertEquals(leak.error?.code, "USER:CommandFailed");
  assert(!leak.error!.message!.includes("t0ken-value"), leak.error!.message!);
  // A declared secret that is missing fails before the command runs.
  const missing = await runCommandTask({
    custom: { command: ["true"] },
    secrets: [{ group: "nope", key: "key" }],
  }, { env: { FLYTE_SECRETS_DEFAULT_DIR: secretsDir } });
  assertEquals(missing.error?.code, "USER:SecretNotFound");
});

Deno.test("command: a dataset that is a single file arrives as that file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "flyteshim-cmd-ds-" });
  await using _dir = removing(dir);
  await Deno.writeTextFile(`${dir}/data.parquet`, "one file");
  const run = await runCommandTask({
    custom: { command: ["cat", "{{.inputs.ds}}"], stdout: "out" },
    inputs: { ds: Types.structuredDataset() },
    values: { ds: new StructuredDataset({ uri: `${dir}/data.parquet` }) },
    outputs: { out: Types.string },
  });
  assertEquals(run.outputs?.literals?.out.scalar?.primitive?.stringValue, "one file", run.stderr);
});

Deno.test("command: an array task over three elements takes each its own element", async () => {
  for (const index of [0, 1, 2]) {
    const run = await runCommandTask({
      custom: { command: ["echo", "{{.inputs.word}}-{{.inputs.suffix}}"], stdout: "out" },
      inputs: { word: Types.list(Types.string), suffix: Types.string },
      values: { word: ["zero", "one", "two"], suffix: "s" },
      outputs: { out: Types.string },
    }, { arrayIndex: index });
    assertEquals(run.error, undefined);
    assertEquals(
      run.outputs!.literals!.out.scalar!.primitive!.stringValue,
      `${["zero", "one", "two"][index]}-s`,
    );
  }
});

Deno.test("command: SIGTERM reaches the command, which gets the grace period, then error.pb", async () => {
  const marker = `${await Deno.makeTempDir({ prefix: "flyteshim-cmd-term-" })}/got-term`;
  const script = `
import signal, sys, time
def on_term(*_):
    open(sys.argv[1], "w").write("TERM")
    sys.exit(0)
signal.signal(signal.SIGTERM, on_term)
print("ready", file=sys.stderr, flush=True)
time.sleep(30)
`;
  const run = await runCommandTask({
    custom: { command: ["python3", "-c", script, marker] },
  }, { interrupt: { when: /^ready$/ } });
  assertEquals(await Deno.readTextFile(marker), "TERM");
  assertEquals(run.files, ["error.pb"]);
  assertEquals(run.error?.code, "SYSTEM:Aborted");
  assertEquals(run.error?.kind, 1); // recoverable
  assert(run.msAfterInterrupt! < 2_500, `${run.msAfterInterrupt} ms`);
  await Deno.remove(marker.slice(0, marker.lastIndexOf("/")), { recursive: true });
});

Deno.test("command: a command that ignores SIGTERM is killed after its grace period, then error.pb", async () => {
  const dir = await Deno.makeTempDir({ prefix: "flyteshim-cmd-stubborn-" });
  await using _dir = removing(dir);
  const script = "import os, signal, sys, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n" +
    'open(sys.argv[1], "w").write(str(os.getpid()))\nprint("ready", file=sys.stderr, flush=True)\n' +
    "time.sleep(60)\n";
  const run = await runCommandTask({
    custom: { command: ["python3", "-c", script, `${dir}/pid`], grace_period_seconds: 3 },
  }, { interrupt: { when: /^ready$/ } });
  assertEquals(run.error?.code, "SYSTEM:Aborted");
  // Longer than the runtime's own 2 s, as configured, and not much more.
  assert(
    run.msAfterInterrupt! >= 2_900 && run.msAfterInterrupt! < 6_000,
    `${run.msAfterInterrupt} ms`,
  );
  const pid = await Deno.readTextFile(`${dir}/pid`);
  const alive = await Deno.stat(`/proc/${pid}`).then(() => true, () => false);
  assertEquals(alive, false, "the command survived");
});

Deno.test("command: how a command fails decides the error document", async (t) => {
  await t.step("killed by SIGKILL: SYSTEM, recoverable", async () => {
    const run = await runCommandTask({ custom: { command: ["sh", "-c", "kill -9 $$"] } });
    assertEquals([run.error?.code, run.error?.origin, run.error?.kind], ["SYSTEM:Killed", 2, 1]);
    assertStringIncludes(run.error!.message!, "SIGKILL");
  });
  await t.step("exit 3 with stderr: USER, the code and the last lines", async () => {
    const run = await runCommandTask({
      custom: { command: ["sh", "-c", "echo first >&2; echo 'it broke: bad row 7' >&2; exit 3"] },
    });
    assertEquals([run.error?.code, run.error?.origin, run.error?.kind], [
      "USER:CommandFailed",
      1,
      0,
    ]);
    assertStringIncludes(run.error!.message!, "exited with code 3");
    assertStringIncludes(run.error!.message!, "it broke: bad row 7");
    assertEquals(run.files, ["error.pb"]);
  });
  await t.step("a missing output: USER, naming it", async () => {
    const run = await runCommandTask({
      custom: { command: ["true"] },
      outputs: { result: Types.integer },
    });
    assertEquals(run.error?.code, "USER:MissingOutput");
    assertStringIncludes(run.error!.message!, '"result"');
    assertEquals(run.files, ["error.pb"]);
  });
  await t.step("command not found and not executable: USER", async () => {
    const run = await runCommandTask({ custom: { command: ["no-such-program-anywhere"] } });
    assertEquals([run.error?.code, run.error?.origin], ["USER:CommandNotFound", 1]);
    const dir = await Deno.makeTempDir({ prefix: "flyteshim-cmd-noexec-" });
    await using _dir = removing(dir);
    await Deno.writeTextFile(`${dir}/script.sh`, "#!/bin/sh\necho hi\n", { mode: 0o600 });
    await Deno.chmod(`${dir}/script.sh`, 0o600);
    const notExecutable = await runCommandTask({ custom: { command: [`${dir}/script.sh`] } });
    assertEquals(notExecutable.error?.code, "USER:CommandNotExecutable");
  });
  await t.step("the build without --allow-run refuses, naming the build that can", async () => {
    const run = await runCommandTask({ custom: { command: ["true"] } }, {
      program: DEFAULT_PROGRAM,
    });
    assertEquals([run.error?.code, run.error?.kind], ["SYSTEM:NotPermitted", 0]);
    assertStringIncludes(run.error!.message!, "flyteshim-command");
  });
  await t.step("an output folder that cannot be created: USER:InvalidConfig", async () => {
    const run = await runCommandTask({
      custom: { command: ["true"], output_dir: "/etc/hostname/out" },
    });
    assertEquals(run.error?.code, "USER:InvalidConfig");
  });
  await t.step("the template's timeout kills the command", async () => {
    const run = await runCommandTask({ custom: { command: ["sleep", "30"] }, timeoutSeconds: 1 });
    assertEquals(run.error?.code, "USER:Timeout");
    assert(run.ms < 10_000, `${run.ms} ms`);
  });
  await t.step("an unparsable output and copilot's _ERROR file: USER", async () => {
    const bad = await runCommandTask({
      custom: { command: ["sh", "-c", 'echo twelve > "$FLYTESHIM_OUTPUT_DIR/n"'] },
      outputs: { n: Types.integer },
    });
    assertEquals(bad.error?.code, "USER:InvalidOutput");
    const reported = await runCommandTask({
      custom: { command: ["sh", "-c", 'echo "no rows today" > "{{.outputDir}}/_ERROR"'] },
      outputs: { n: Types.integer },
    });
    assertEquals(reported.error?.code, "USER:CommandReportedError");
    assertStringIncludes(reported.error!.message!, "no rows today");
  });
});

Deno.test("command: huge and binary outputs, and a large string offloaded", async () => {
  const run = await runCommandTask({
    custom: {
      command: [
        "sh",
        "-c",
        'head -c 67108864 /dev/urandom > "$FLYTESHIM_OUTPUT_DIR/big" && ' +
        'head -c 3000000 /dev/zero | tr "\\0" x && cp "$FLYTESHIM_OUTPUT_DIR/big" "$FLYTESHIM_OUTPUT_DIR/copy"',
      ],
      stdout: "text",
    },
    outputs: { big: Types.file(), copy: Types.file(), text: Types.string },
  }, { offload: { minMB: 1 } });
  assertEquals(run.files.filter((f) => f.endsWith(".pb")).includes("outputs.pb"), true, run.stderr);
  const big = await run.storage.read(run.outputs!.literals!.big.scalar!.blob!.uri!);
  const copy = await run.storage.read(run.outputs!.literals!.copy.scalar!.blob!.uri!);
  assertEquals(big.length, 64 * 1024 * 1024);
  assertEquals(big, copy);
  // The 3 MB string went to an offloaded literal.
  assert(run.outputs!.literals!.text.offloadedMetadata?.uri, "expected the string offloaded");
});
