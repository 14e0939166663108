// The whole execute path with every prefix on s3:// (a real s3rver): flytekit's own task.pb and
// inputs.pb bytes and the database are put into the bucket by an independent client (Debian's
// python3-boto3), the program runs as propeller runs it, and boto3 reads back what it left.
import { tempDir } from "../_testing/temp.ts";
import { BOTO3, crossCheck } from "../_testing/tools.ts";
import { assert, assertEquals, assertMatch } from "@std/assert";
import {
  decodeLiteralMap,
  decodeTaskTemplate,
  encodeTaskTemplate,
  jsonToStruct,
  structToJson,
  type TaskTemplate,
} from "../idl/mod.ts";
import type { Storage } from "../storage/mod.ts";
import { readParquet } from "../_testing/duckdb.ts";
import { runPropeller } from "../_testing/propeller.ts";
import { type S3rverHandle, startS3rver } from "../_testing/s3rver.ts";
import { FIXTURE_DIR, TEMPLATE_DIR } from "../_testing/sqlite3.ts";

const BUCKET = "my-s3-bucket";

/** Runs a boto3 snippet (`s3` is a client for the server); stdin and stdout are raw bytes. */
async function boto3(s3: S3rverHandle, script: string, stdin?: Uint8Array): Promise<Uint8Array> {
  const prelude = `
import boto3, botocore.config, json, os, sys
s3 = boto3.client("s3", endpoint_url=os.environ["FLYTE_AWS_ENDPOINT"],
    aws_access_key_id=os.environ["FLYTE_AWS_ACCESS_KEY_ID"],
    aws_secret_access_key=os.environ["FLYTE_AWS_SECRET_ACCESS_KEY"], region_name="us-east-1",
    config=botocore.config.Config(s3={"addressing_style": "path"}))
`;
  const child = new Deno.Command("/usr/bin/python3", {
    args: ["-c", prelude + script],
    env: s3.env,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  if (stdin) await writer.write(stdin);
  await writer.close();
  const out = await child.output();
  assert(out.success, `boto3 failed: ${new TextDecoder().decode(out.stderr)}`);
  return out.stdout;
}

function split(uri: string): [string, string] {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
  if (!m) throw new TypeError(`Not an s3:// URI: ${uri}`);
  return [m[1], m[2]];
}

/**
 * The part of the Storage interface the propeller harness uses (write the node's files, list
 * and read what the program left), done by boto3 instead of flyteshim's own S3 client.
 */
function boto3Storage(s3: S3rverHandle): Storage {
  const unsupported = () => Promise.reject(new TypeError("Not needed by the harness"));
  return {
    async write(uri, data) {
      const [bucket, key] = split(uri);
      await boto3(
        s3,
        `s3.put_object(Bucket=${JSON.stringify(bucket)}, Key=${
          JSON.stringify(key)
        }, Body=sys.stdin.buffer.read())`,
        data,
      );
    },
    async read(uri) {
      const [bucket, key] = split(uri);
      return await boto3(
        s3,
        `sys.stdout.buffer.write(s3.get_object(Bucket=${JSON.stringify(bucket)}, Key=${
          JSON.stringify(key)
        })["Body"].read())`,
      );
    },
    async list(prefix) {
      const [bucket, key] = split(`${prefix.replace(/\/+$/, "")}/`);
      const out = await boto3(
        s3,
        `keys = [o["Key"] for p in s3.get_paginator("list_objects_v2").paginate(Bucket=${
          JSON.stringify(bucket)
        }, Prefix=${JSON.stringify(key)}) for o in p.get("Contents", [])]
print(json.dumps(keys))`,
      );
      return (JSON.parse(new TextDecoder().decode(out)) as string[]).map((k) =>
        `s3://${bucket}/${k}`
      );
    },
    download: unsupported,
    upload: unsupported,
    exists: unsupported,
    uploadDir: unsupported,
    downloadDir: unsupported,
  };
}

async function fixtureTemplate(databaseUri: string): Promise<TaskTemplate> {
  const template = decodeTaskTemplate(await Deno.readFile(`${TEMPLATE_DIR}template.pb`));
  const custom = structToJson(template.custom!) as Record<string, unknown>;
  // deno-lint-ignore no-explicit-any
  template.custom = jsonToStruct({ ...custom, uri: databaseUri } as any);
  // Round-trips through our encoder so the bytes written are a real task.pb.
  return decodeTaskTemplate(encodeTaskTemplate(template));
}

/** The user metadata of an object, as boto3 sees it. */
async function metadataOf(s3: S3rverHandle, uri: string): Promise<Record<string, string>> {
  const [bucket, key] = split(uri);
  const out = await boto3(
    s3,
    `print(json.dumps(s3.head_object(Bucket=${JSON.stringify(bucket)}, Key=${
      JSON.stringify(key)
    })["Metadata"]))`,
  );
  return JSON.parse(new TextDecoder().decode(out));
}

/** Reads the dataset's parquet file (through boto3) and compares it with flytekit's result. */
async function checkResults(storage: Storage, datasetUri: string) {
  const local = `${await tempDir()}/00000.parquet`;
  await Deno.writeFile(local, await storage.read(`${datasetUri}/00000`));
  const table = await readParquet(local);
  const expected = await readParquet(`${FIXTURE_DIR}expected-results.parquet`);
  assertEquals(table.columns, expected.columns);
  assertEquals(table.rows, expected.rows);
  await Deno.remove(local.replace(/\/[^/]+$/, ""), { recursive: true });
}

Deno.test(
  crossCheck("execute with every prefix on s3://, node laid out and read back by boto3", BOTO3),
  async (t) => {
    await using s3 = await startS3rver({ buckets: [BUCKET] });
    const storage = boto3Storage(s3);
    const inputs = decodeLiteralMap(await Deno.readFile(`${TEMPLATE_DIR}inputs.pb`));
    await t.step("database on s3://", async () => {
      await storage.write(
        `s3://${BUCKET}/dbs/chinook.db`,
        await Deno.readFile(`${FIXTURE_DIR}chinook-mini.db`),
      );
      const run = await runPropeller({
        template: await fixtureTemplate(`s3://${BUCKET}/dbs/chinook.db`),
        inputs,
        root: `s3://${BUCKET}`,
        storage,
        env: s3.env,
      });
      assertEquals(run.code, 0, run.stderr);
      assertEquals(run.files, ["outputs.pb"], run.error?.message ?? run.stderr);
      for (const path of Object.values(run.paths).filter(Boolean)) {
        assertMatch(path, new RegExp(`^s3://${BUCKET}/`));
      }
      const sd = run.outputs!.literals!.results.scalar!.structuredDataset!;
      assertMatch(sd.uri!, new RegExp(`^${run.paths.rawOutputPrefix}/[0-9a-f]{32}$`));
      await checkResults(storage, sd.uri!);
      // Uploads carry flytekit's execution metadata.
      const meta = await metadataOf(s3, `${run.paths.outputPrefix}/outputs.pb`);
      assertEquals(meta["flyte-execution-project"], "flytesnacks");
      assertEquals(meta["flyte-execution-domain"], "development");
      assertEquals(meta["flyte-execution-name"], "f6a2b8c1d9e0");
      assertEquals(await metadataOf(s3, `${sd.uri}/00000`), meta);
    });

    await t.step("database on http://, prefixes on s3://, no execution metadata", async () => {
      const db = await Deno.readFile(`${FIXTURE_DIR}chinook-mini.db`);
      await using server = Deno.serve(
        { hostname: "127.0.0.1", port: 0, onListen() {} },
        (req) =>
          new URL(req.url).pathname === "/chinook.db"
            ? new Response(db)
            : new Response("not found", { status: 404 }),
      );
      const run = await runPropeller({
        template: await fixtureTemplate(`http://127.0.0.1:${server.addr.port}/chinook.db`),
        inputs,
        root: `s3://${BUCKET}/http-db`,
        storage,
        env: { ...s3.env, FLYTE_PERSISTENCE_ATTACH_EXECUTION_METADATA: "false" },
        execution: { name: "httpdb" },
      });
      assertEquals(run.code, 0, run.stderr);
      assertEquals(run.files, ["outputs.pb"], run.error?.message ?? run.stderr);
      await checkResults(
        storage,
        run.outputs!.literals!.results.scalar!.structuredDataset!.uri!,
      );
      // Switched off: no execution metadata on the uploads.
      assertEquals(await metadataOf(s3, `${run.paths.outputPrefix}/outputs.pb`), {});
    });

    await t.step(
      "a missing database object is a USER:NotFound error document in S3",
      async () => {
        const run = await runPropeller({
          template: await fixtureTemplate(`s3://${BUCKET}/dbs/missing.db`),
          inputs,
          root: `s3://${BUCKET}/missing-db`,
          storage,
          env: s3.env,
          execution: { name: "missingdb" },
        });
        assertEquals(run.code, 0, run.stderr);
        assertEquals(run.files, ["error.pb"]);
        assertEquals(run.error?.code, "USER:NotFound");
        assertMatch(run.error?.message ?? "", /s3:\/\/my-s3-bucket\/dbs\/missing\.db/);
      },
    );
  },
);
