// Errors a SQLite3Task user can act on, through the propeller harness with flytekit's template:
// archive errors name the URI the user gave (never the scratch copy), an archive given with
// `compressed: false` says so, an unusable TMPDIR is named, and a bare 404 to an upload says what
// was being written.
import { tempDir } from "../_testing/temp.ts";
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import {
  decodeLiteralMap,
  decodeTaskTemplate,
  flyteidl,
  jsonToStruct,
  type JsonValue,
  structToJson,
  type TaskTemplate,
} from "../idl/mod.ts";
import { tarGz, zip } from "../_testing/archives.ts";
import { runPropeller } from "../_testing/propeller.ts";
import { FIXTURE_DIR, TEMPLATE_DIR } from "../_testing/sqlite3.ts";

const { NON_RECOVERABLE } = flyteidl.core.ContainerError.Kind;
const { USER } = flyteidl.core.ExecutionError.ErrorKind;
const CHINOOK = `${FIXTURE_DIR}chinook-mini.db`;
const inputs = decodeLiteralMap(await Deno.readFile(`${TEMPLATE_DIR}inputs.pb`));

async function template(custom: Record<string, JsonValue>): Promise<TaskTemplate> {
  const t = decodeTaskTemplate(await Deno.readFile(`${TEMPLATE_DIR}template.pb`));
  t.custom = jsonToStruct({
    ...structToJson(t.custom!) as Record<string, JsonValue>,
    uri: CHINOOK,
    ...custom,
  });
  return t;
}

/** A folder with files, removed by `await using`. */
async function folder(files: Record<string, Uint8Array>) {
  const dir = await tempDir({ prefix: "flyteshim-sqlite3-errors-" });
  for (const [name, bytes] of Object.entries(files)) await Deno.writeFile(`${dir}/${name}`, bytes);
  return { dir, [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }) };
}

function expectUser(run: Awaited<ReturnType<typeof runPropeller>>, code: string): string {
  assertEquals(run.code, 0, run.stderr);
  assert(run.error, run.stderr);
  assertEquals(run.files, [run.errorFile!]);
  assertEquals(
    [run.error.code, run.error.kind, run.error.origin],
    [code, NON_RECOVERABLE, USER],
    run.error.message ?? "",
  );
  assert(!run.error.message!.includes("Stack:"), run.error.message!);
  return run.error.message!;
}

Deno.test("sqlite3 errors: a bad archive is named by the URI the user gave, not the scratch copy", async () => {
  const db = await Deno.readFile(CHINOOK);
  await using files = await folder({
    "two.zip": await zip([{ name: "a.db", data: db }, { name: "b.db", data: db }]),
    "bad.tgz": new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]),
  });
  for (const name of ["two.zip", "bad.tgz"]) {
    const uri = `${files.dir}/${name}`;
    const run = await runPropeller({ template: await template({ uri, compressed: true }), inputs });
    const message = expectUser(run, "USER:BadArchive");
    assertStringIncludes(message, `Cannot unpack "${uri}": `);
    assert(!/flyteshim-[^/]*\/sqlite3-/.test(message), message);
  }
});

Deno.test("sqlite3 errors: an archive given with compressed false says to set compressed", async () => {
  const db = await Deno.readFile(CHINOOK);
  await using files = await folder({
    "chinook.zip": await zip([{ name: "chinook.db", data: db, deflate: true }]),
    "chinook.tar.gz": await tarGz([{ name: "chinook.db", data: db }]),
    "notes.txt": new TextEncoder().encode(
      "not a database at all, and long enough to be read".repeat(20),
    ),
  });
  for (
    const [name, kind] of [["chinook.zip", "zip"], ["chinook.tar.gz", "gzip-compressed (tar.gz)"]]
  ) {
    const uri = `${files.dir}/${name}`;
    const run = await runPropeller({
      template: await template({ uri, compressed: false }),
      inputs,
    });
    assertEquals(
      expectUser(run, "USER:SqlError").split("\n")[0],
      `Cannot open "${uri}" as a SQLite database: file is not a database; it looks like a ${kind} archive: set compressed to true to unpack it`,
    );
  }
  const text = `${files.dir}/notes.txt`;
  const plain = await runPropeller({ template: await template({ uri: text }), inputs });
  assertEquals(
    expectUser(plain, "USER:SqlError").split("\n")[0],
    `Cannot open "${text}" as a SQLite database: file is not a database`,
  );
  // And the same archive with compressed true runs.
  const ok = await runPropeller({
    template: await template({ uri: `${files.dir}/chinook.zip`, compressed: true }),
    inputs,
  });
  assertEquals([ok.code, ok.files], [0, ["outputs.pb"]], ok.error?.message ?? ok.stderr);
});

Deno.test("sqlite3 errors: a missing or unusable TMPDIR is a USER error naming the folder", async () => {
  await using files = await folder({ "a-file": new Uint8Array([1]) });
  const cases: [string, string][] = [
    [`${files.dir}/no-such-folder`, "the folder does not exist"],
    [`${files.dir}/a-file`, "it is not a folder"],
  ];
  for (const [tmp, detail] of cases) {
    const run = await runPropeller({ template: await template({}), inputs, env: { TMPDIR: tmp } });
    assertEquals(
      expectUser(run, "USER:TempDirUnusable").split("\n")[0],
      `Cannot create a work folder in "${tmp}": ${detail}; set TMPDIR to a writable folder, or mount a writable volume at /tmp`,
    );
  }
});

Deno.test("sqlite3 errors: a bare 404 to the dataset upload says what was being written", async () => {
  // An endpoint that is not S3 (a wrong FLYTE_AWS_ENDPOINT): 404 without a body to everything.
  const requests: string[] = [];
  await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    requests.push(req.method);
    return new Response(null, { status: 404 });
  });
  const t = await template({});
  t.container!.args = t.container!.args!.map((a) =>
    a === "{{.rawOutputDataPrefix}}" ? "s3://results/raw" : a
  );
  const run = await runPropeller({
    template: t,
    inputs,
    env: {
      FLYTE_AWS_ENDPOINT: `http://127.0.0.1:${server.addr.port}`,
      FLYTE_AWS_ACCESS_KEY_ID: "key",
      FLYTE_AWS_SECRET_ACCESS_KEY: "secret",
    },
  });
  const message = expectUser(run, "USER:NotFound").split("\n")[0];
  assert(requests.length > 0);
  assert(!message.includes("object does not exist"), message);
  assertStringIncludes(message, 'Cannot upload "s3://results/raw/');
  assertStringIncludes(
    message,
    'to writing the object: bucket "results" or the S3 endpoint is not there (check the bucket name and FLYTE_AWS_ENDPOINT)',
  );
});
