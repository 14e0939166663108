// The whole execute path with every prefix (inputs, template, outputs, raw data) and the database
// on abfs:// (Azurite) and on gs:// (the GCS emulator): flytekit's SQLite3Task template and inputs,
// run as propeller runs it. The node is laid out and read back by other clients than flyteshim's
// (the Azure SDK directly; the JSON API with fetch), and the parquet result is read by DuckDB.
import { removing } from "../_testing/temp.ts";
import { assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import {
  decodeLiteralMap,
  decodeTaskTemplate,
  encodeTaskTemplate,
  jsonToStruct,
  structToJson,
  type TaskTemplate,
} from "../idl/mod.ts";
import type { Storage } from "../storage/mod.ts";
import { AZURITE_ACCOUNT, type AzuriteHandle, startAzurite } from "../_testing/azurite.ts";
import { readParquet } from "../_testing/duckdb.ts";
import { type GcsEmulatorHandle, startGcsEmulator } from "../_testing/gcs_emulator.ts";
import { runPropeller } from "../_testing/propeller.ts";
import { FIXTURE_DIR, TEMPLATE_DIR } from "../_testing/sqlite3.ts";

const unsupported = () => Promise.reject(new TypeError("Not needed by the harness"));

/** What the harness needs of a Storage, done with the Azure SDK's own client. */
async function azureSdkStorage(azurite: AzuriteHandle, container: string): Promise<Storage> {
  const { BlobServiceClient, StorageSharedKeyCredential } = await import("@azure/storage-blob");
  const client = new BlobServiceClient(
    azurite.endpoint,
    new StorageSharedKeyCredential(AZURITE_ACCOUNT.name, AZURITE_ACCOUNT.key),
  ).getContainerClient(container);
  const base = /^abfss?:\/\/[^/]+\//;
  const name = (uri: string) => uri.replace(base, "");
  return {
    write: async (uri, data) => void await client.getBlockBlobClient(name(uri)).uploadData(data),
    read: async (uri) =>
      new Uint8Array(await client.getBlockBlobClient(name(uri)).downloadToBuffer()),
    async list(prefix) {
      const out: string[] = [];
      const root = prefix.match(base)![0];
      for await (
        const blob of client.listBlobsFlat({ prefix: `${name(prefix).replace(/\/+$/, "")}/` })
      ) {
        out.push(`${root}${blob.name}`);
      }
      return out;
    },
    download: unsupported,
    upload: unsupported,
    exists: unsupported,
    uploadDir: unsupported,
    downloadDir: unsupported,
  };
}

/** What the harness needs of a Storage, done with plain JSON API requests. */
function gcsFetchStorage(gcs: GcsEmulatorHandle): Storage {
  const split = (uri: string) => {
    const m = /^gs:\/\/([^/]+)\/(.*)$/.exec(uri)!;
    return [m[1], m[2]];
  };
  return {
    async write(uri, data) {
      const [bucket, key] = split(uri);
      const res = await fetch(
        `${gcs.endpoint}/upload/storage/v1/b/${bucket}/o?uploadType=media&name=${
          encodeURIComponent(key)
        }`,
        { method: "POST", body: data as Uint8Array<ArrayBuffer> },
      );
      if (!res.ok) throw new Error(`upload ${uri}: ${res.status} ${await res.text()}`);
      await res.body?.cancel();
    },
    async read(uri) {
      const [bucket, key] = split(uri);
      const res = await fetch(
        `${gcs.endpoint}/storage/v1/b/${bucket}/o/${encodeURIComponent(key)}?alt=media`,
      );
      if (!res.ok) throw new Error(`read ${uri}: ${res.status}`);
      return new Uint8Array(await res.arrayBuffer());
    },
    async list(prefix) {
      const [bucket, key] = split(`${prefix.replace(/\/+$/, "")}/`);
      const res = await fetch(
        `${gcs.endpoint}/storage/v1/b/${bucket}/o?prefix=${encodeURIComponent(key)}`,
      );
      const body = await res.json() as { items?: { name: string }[] };
      return (body.items ?? []).map((item) => `gs://${bucket}/${item.name}`);
    },
    async metadata(uri: string) {
      const [bucket, key] = split(uri);
      const res = await fetch(
        `${gcs.endpoint}/storage/v1/b/${bucket}/o/${encodeURIComponent(key)}`,
      );
      return (await res.json()).metadata;
    },
    download: unsupported,
    upload: unsupported,
    exists: unsupported,
    uploadDir: unsupported,
    downloadDir: unsupported,
  } as Storage;
}

async function fixtureTemplate(databaseUri: string): Promise<TaskTemplate> {
  const template = decodeTaskTemplate(await Deno.readFile(`${TEMPLATE_DIR}template.pb`));
  const custom = structToJson(template.custom!) as Record<string, unknown>;
  // deno-lint-ignore no-explicit-any
  template.custom = jsonToStruct({ ...custom, uri: databaseUri } as any);
  return decodeTaskTemplate(encodeTaskTemplate(template));
}

/** A database URI that names no object: the run ends in a USER:NotFound error.pb in the cloud. */
async function missingDatabase(root: string, storage: Storage, env: Record<string, string>) {
  const run = await runPropeller({
    template: await fixtureTemplate(`${root}/dbs/missing.db`),
    inputs: decodeLiteralMap(await Deno.readFile(`${TEMPLATE_DIR}inputs.pb`)),
    root: `${root}/missing-db`,
    storage,
    env,
    execution: { name: "missingdb" },
  });
  assertEquals(run.code, 0, run.stderr);
  assertEquals(run.files, ["error.pb"]);
  assertEquals(run.error?.code, "USER:NotFound");
  assertStringIncludes(run.error?.message ?? "", `${root}/dbs/missing.db`);
}

async function checkResults(storage: Storage, datasetUri: string) {
  const dir = await Deno.makeTempDir();
  await using _dir = removing(dir);
  await Deno.writeFile(`${dir}/00000.parquet`, await storage.read(`${datasetUri}/00000`));
  const table = await readParquet(`${dir}/00000.parquet`);
  const expected = await readParquet(`${FIXTURE_DIR}expected-results.parquet`);
  assertEquals(table.columns, expected.columns);
  assertEquals(table.rows, expected.rows);
}

async function runOn(
  root: string,
  storage: Storage,
  env: Record<string, string>,
): Promise<{ outputPrefix: string; datasetUri: string }> {
  await storage.write(
    `${root}/dbs/chinook.db`,
    await Deno.readFile(`${FIXTURE_DIR}chinook-mini.db`),
  );
  const run = await runPropeller({
    template: await fixtureTemplate(`${root}/dbs/chinook.db`),
    inputs: decodeLiteralMap(await Deno.readFile(`${TEMPLATE_DIR}inputs.pb`)),
    root,
    storage,
    env,
  });
  assertEquals(run.code, 0, run.stderr);
  assertEquals(run.files, ["outputs.pb"], run.error?.message ?? run.stderr);
  for (const path of Object.values(run.paths).filter(Boolean)) {
    assertEquals(path.startsWith(`${root}/`), true, path);
  }
  const sd = run.outputs!.literals!.results.scalar!.structuredDataset!;
  assertMatch(sd.uri!, new RegExp(`^${run.paths.rawOutputPrefix}/[0-9a-f]{32}$`));
  await checkResults(storage, sd.uri!);
  return { outputPrefix: run.paths.outputPrefix, datasetUri: sd.uri! };
}

Deno.test("cloud: execute with every prefix and the database on abfs://", async () => {
  await using azurite = await startAzurite({ containers: ["flyte"] });
  const root = `abfs://flyte@${AZURITE_ACCOUNT.name}.dfs.core.windows.net`;
  const storage = await azureSdkStorage(azurite, "flyte");
  const { outputPrefix } = await runOn(root, storage, azurite.env);
  const { BlobServiceClient, StorageSharedKeyCredential } = await import("@azure/storage-blob");
  const properties = await new BlobServiceClient(
    azurite.endpoint,
    new StorageSharedKeyCredential(AZURITE_ACCOUNT.name, AZURITE_ACCOUNT.key),
  ).getContainerClient("flyte").getBlobClient(
    `${outputPrefix.replace(`${root}/`, "")}/outputs.pb`,
  )
    .getProperties();
  assertEquals(properties.metadata?.flyte_execution_project, "flytesnacks");
  assertEquals(properties.metadata?.flyte_execution_name, "f6a2b8c1d9e0");
  await missingDatabase(root, storage, azurite.env);
});

Deno.test("cloud: execute with every prefix and the database on gs://", async () => {
  await using gcs = await startGcsEmulator();
  const storage = gcsFetchStorage(gcs);
  const { outputPrefix, datasetUri } = await runOn("gs://flyte", storage, gcs.env);
  const metadata =
    (storage as unknown as { metadata(uri: string): Promise<Record<string, string>> })
      .metadata;
  assertEquals(
    (await metadata(`${outputPrefix}/outputs.pb`))["flyte-execution-project"],
    "flytesnacks",
  );
  assertEquals((await metadata(`${datasetUri}/00000`))["flyte-execution-domain"], "development");
  await missingDatabase("gs://flyte", storage, gcs.env);
});
