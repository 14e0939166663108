// The abfs:// and abfss:// backend against a real Azurite (Microsoft's emulator): the conformance
// suite in both URI forms, Gen2 folder placeholders, 20 MiB in blocks, paged listings, metadata
// names, credentials, faults through a misbehaving proxy, and errors that never show a secret.
import { removing } from "../_testing/temp.ts";
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { type AzureConfig, createStorage, executionMetadata } from "../storage/mod.ts";
import { AZURITE_ACCOUNT, type AzuriteHandle, startAzurite } from "../_testing/azurite.ts";
import { type Fault, startFaultyProxy } from "../_testing/faulty_proxy.ts";
import {
  assertStorageError,
  pattern,
  storageConformance,
} from "../_testing/storage_conformance.ts";

const CONTAINER = "flyte";
const HOST = `${AZURITE_ACCOUNT.name}.dfs.core.windows.net`;

/** The SDK's own client on the account, to look behind flyteshim's back. */
async function containerClient(azurite: AzuriteHandle) {
  const { BlobServiceClient, StorageSharedKeyCredential } = await import("@azure/storage-blob");
  return new BlobServiceClient(
    azurite.endpoint,
    new StorageSharedKeyCredential(AZURITE_ACCOUNT.name, AZURITE_ACCOUNT.key),
  ).getContainerClient(CONTAINER);
}

Deno.test("azure: abfs storage conforms, in both URI forms", async (t) => {
  await using azurite = await startAzurite({ containers: [CONTAINER] });
  let n = 0;
  await t.step(
    "abfs://<container>@<account>.dfs.core.windows.net/",
    (t) =>
      storageConformance(t, {
        storage: createStorage({ azure: azurite.config }),
        prefix: () => `abfs://${CONTAINER}@${HOST}/conformance/${n++}`,
      }),
  );
  await t.step(
    "abfss://<container>/ with the account from the environment",
    (t) =>
      storageConformance(t, {
        storage: createStorage({ env: azurite.env }),
        prefix: () => `abfss://${CONTAINER}/conformance-env/${n++}`,
      }),
  );
});

Deno.test("azure: Gen2 folders, 20 MiB in blocks, pages, metadata and SAS", async (t) => {
  await using azurite = await startAzurite({ containers: [CONTAINER] });
  const local = await Deno.makeTempDir({ prefix: "azure-" });
  await using _local = removing(local);
  const root = `abfs://${CONTAINER}@${HOST}`;
  const container = await containerClient(azurite);

  await t.step("hdi_isfolder placeholders are not listed nor copied", async () => {
    // What a hierarchical-namespace account shows for folders a/ and a/sub/.
    for (const name of ["gen2/a", "gen2/a/sub"]) {
      await container.getBlockBlobClient(name).upload("", 0, {
        metadata: { hdi_isfolder: "true" },
      });
    }
    await container.getBlockBlobClient("gen2/a/sub/x.txt").upload("x", 1);
    await container.getBlockBlobClient("gen2/a/y.txt").upload("yy", 2);
    const storage = createStorage({ azure: azurite.config });
    assertEquals((await storage.list(`${root}/gen2`)).sort(), [
      `${root}/gen2/a/sub/x.txt`,
      `${root}/gen2/a/y.txt`,
    ]);
    assertEquals(await storage.exists(`${root}/gen2/a/sub`), true);
    await storage.downloadDir(`${root}/gen2/a`, `${local}/gen2`);
    assertEquals(await Deno.readTextFile(`${local}/gen2/sub/x.txt`), "x");
    assertEquals(await Deno.readTextFile(`${local}/gen2/y.txt`), "yy");
  });

  await t.step("a 20 MiB file goes up in blocks and comes back byte for byte", async () => {
    const data = pattern(20 * 1024 * 1024, 5);
    await Deno.writeFile(`${local}/big.bin`, data);
    const storage = createStorage({ azure: { ...azurite.config, blockSize: 8 * 1024 * 1024 } });
    await storage.upload(`${local}/big.bin`, `${root}/big/data.bin`, {
      contentType: "application/octet-stream",
    });
    const blocks = await container.getBlockBlobClient("big/data.bin").getBlockList("committed");
    assertEquals(blocks.committedBlocks?.length, 3);
    await storage.download(`${root}/big/data.bin`, `${local}/big-back.bin`);
    assertEquals(await Deno.readFile(`${local}/big-back.bin`), data);
  });

  await t.step("listings follow continuation pages", async () => {
    const storage = createStorage({ azure: { ...azurite.config, listPageSize: 2 } });
    for (let i = 0; i < 7; i++) await storage.write(`${root}/pages/${i}.txt`, pattern(i));
    assertEquals(
      (await storage.list(`${root}/pages`)).sort(),
      Array.from({ length: 7 }, (_, i) => `${root}/pages/${i}.txt`),
    );
  });

  await t.step("execution metadata is stored under names Azure accepts", async () => {
    const storage = createStorage({
      azure: azurite.config,
      metadata: executionMetadata({ project: "flytesnacks", domain: "development" }),
    });
    await storage.write(`${root}/meta/a.pb`, pattern(3), { metadata: { "x-extra": "1" } });
    const properties = await container.getBlobClient("meta/a.pb").getProperties();
    assertEquals(properties.metadata, {
      flyte_execution_project: "flytesnacks",
      flyte_execution_domain: "development",
      x_extra: "1",
    });
  });

  await t.step("AZURE_STORAGE_ANON reads a public container without credentials", async () => {
    const { BlobServiceClient, StorageSharedKeyCredential } = await import("@azure/storage-blob");
    const open = new BlobServiceClient(
      azurite.endpoint,
      new StorageSharedKeyCredential(AZURITE_ACCOUNT.name, AZURITE_ACCOUNT.key),
    ).getContainerClient("public");
    await open.create({ access: "container" });
    await open.getBlockBlobClient("data/a.csv").upload("a,b\n", 4);
    const anonymous = createStorage({
      env: {
        AZURE_STORAGE_ACCOUNT_NAME: AZURITE_ACCOUNT.name,
        AZURE_STORAGE_ANON: "true",
        FLYTESHIM_AZURE_BLOB_ENDPOINT: azurite.config.endpoint!,
      },
    });
    assertEquals(
      new TextDecoder().decode(await anonymous.read("abfs://public/data/a.csv")),
      "a,b\n",
    );
    assertEquals(await anonymous.list("abfs://public/data"), ["abfs://public/data/a.csv"]);
    // A private container refuses anonymous reads (Azurite: 403; Azure answers 404): USER either way.
    await assertStorageError(anonymous.read(`abfs://${CONTAINER}/meta/a.pb`), {
      code: "USER:AccessDenied",
      operation: "read",
    });
  });

  await t.step("a SAS token and a connection string are credentials too", async () => {
    const {
      ContainerSASPermissions,
      generateBlobSASQueryParameters,
      StorageSharedKeyCredential,
    } = await import("@azure/storage-blob");
    const sas = generateBlobSASQueryParameters({
      containerName: CONTAINER,
      permissions: ContainerSASPermissions.parse("racwl"),
      expiresOn: new Date(Date.now() + 3600_000),
    }, new StorageSharedKeyCredential(AZURITE_ACCOUNT.name, AZURITE_ACCOUNT.key)).toString();
    const bySas = createStorage({
      env: {
        AZURE_STORAGE_ACCOUNT_NAME: AZURITE_ACCOUNT.name,
        AZURE_STORAGE_SAS_TOKEN: `?${sas}`,
        FLYTESHIM_AZURE_BLOB_ENDPOINT: azurite.config.endpoint,
      },
    });
    await bySas.write(`abfs://${CONTAINER}/sas/a.txt`, pattern(5));
    assertEquals(await bySas.list(`abfs://${CONTAINER}/sas`), [`abfs://${CONTAINER}/sas/a.txt`]);
    const byString = createStorage({
      env: {
        AZURE_STORAGE_CONNECTION_STRING:
          `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT.name};AccountKey=${AZURITE_ACCOUNT.key};BlobEndpoint=${azurite.endpoint};`,
      },
    });
    assertEquals(await byString.read(`abfss://${CONTAINER}/sas/a.txt`), pattern(5));
  });
});

Deno.test("azure: errors are classified and never show a key or SAS", async (t) => {
  await using azurite = await startAzurite({ containers: [CONTAINER] });
  const root = `abfs://${CONTAINER}@${HOST}`;
  await createStorage({ azure: azurite.config }).write(`${root}/data.bin`, pattern(10));

  await t.step("a missing container is USER:NotFound naming it", async () => {
    const uri = `abfs://nope@${HOST}/a.txt`;
    const error = await assertStorageError(createStorage({ azure: azurite.config }).read(uri), {
      code: "USER:NotFound",
      operation: "read",
      uri,
    });
    assertStringIncludes(error.message, `container "nope" does not exist`);
    assertEquals(await createStorage({ azure: azurite.config }).exists(uri), false);
  });

  await t.step("a refused key is USER:AccessDenied, without the key", async () => {
    const wrongKey = btoa("not-the-key-of-this-account-0123456789");
    const storage = createStorage({ azure: { ...azurite.config, accountKey: wrongKey } });
    const error = await assertStorageError(storage.read(`${root}/data.bin`), {
      code: "USER:AccessDenied",
      operation: "read",
      uri: `${root}/data.bin`,
    });
    const text = JSON.stringify([error.message, String(error.cause), error.stack]);
    assert(!text.includes(wrongKey), text);
  });

  await t.step("a refused SAS is USER:AccessDenied, without the signature", async () => {
    const sas =
      "sv=2024-08-04&ss=b&srt=sco&sp=r&se=2099-01-01T00:00:00Z&sig=c2VjcmV0LXNpZ25hdHVyZQ%3D%3D";
    const storage = createStorage({
      azure: { ...azurite.config, accountKey: undefined, sasToken: sas },
    });
    const error = await assertStorageError(storage.read(`${root}/data.bin`), {
      code: "USER:AccessDenied",
      operation: "read",
    });
    const text = JSON.stringify([error.message, String(error.cause)]);
    assert(!text.includes("c2VjcmV0LXNpZ25hdHVyZQ"), text);
  });

  await t.step("abfs://<container>/ without an account is USER:InvalidConfig", async () => {
    await assertStorageError(createStorage({ azure: {} }).read(`abfs://${CONTAINER}/a`), {
      code: "USER:InvalidConfig",
      operation: "read",
    });
  });

  await t.step("a token credential on an http:// endpoint is USER:InvalidConfig", async () => {
    const storage = createStorage({
      azure: {
        accountName: "acct",
        tenantId: "t",
        clientId: "c",
        clientSecret: "s3cr3t-value",
        endpoint: azurite.config.endpoint,
      },
    });
    const error = await assertStorageError(storage.read(`abfs://${CONTAINER}/a`), {
      code: "USER:InvalidConfig",
      operation: "read",
    });
    assert(!JSON.stringify([error.message, String(error.cause)]).includes("s3cr3t-value"));
  });
});

Deno.test("azure: 503, 500, resets and cut bodies are retried; lasting ones are SYSTEM errors", async () => {
  await using azurite = await startAzurite({ containers: [CONTAINER] });
  await using proxy = startFaultyProxy(azurite.port);
  const local = await Deno.makeTempDir({ prefix: "azure-faults-" });
  await using _local = removing(local);
  const root = `abfs://${CONTAINER}@${HOST}`;
  await createStorage({ azure: azurite.config }).write(`${root}/data.bin`, pattern(300_000));
  const config: AzureConfig = {
    ...azurite.config,
    endpoint: `${proxy.endpoint}/{account}`,
    retries: 3,
    backoffSeconds: 0.01,
    maxRetryDelaySeconds: 0.05,
  };
  const storage = createStorage({ azure: config });
  for (const fault of ["503", "slowdown", "500", "reset", "truncate"] as Fault[]) {
    proxy.fail(2, fault);
    assertEquals(await storage.read(`${root}/data.bin`), pattern(300_000), fault);
    assertEquals(proxy.pending, 0, fault);
    proxy.fail(2, fault);
    await storage.download(`${root}/data.bin`, `${local}/${fault}.bin`);
    assertEquals(await Deno.readFile(`${local}/${fault}.bin`), pattern(300_000), fault);
    if (fault !== "truncate") {
      proxy.fail(2, fault);
      await storage.write(`${root}/w/${fault}`, pattern(10, 1));
      proxy.fail(2, fault);
      assertEquals(
        await storage.list(`${root}/w`).then((l) => l.includes(`${root}/w/${fault}`)),
        true,
      );
    }
    assertEquals(proxy.pending, 0, fault);
  }
  // A stalled request is abandoned after the timeout and retried.
  const quick = createStorage({ azure: { ...config, timeoutSeconds: 0.5 } });
  proxy.fail(1, "stall");
  assertEquals(await quick.read(`${root}/data.bin`), pattern(300_000));
  assertEquals(proxy.pending, 0);
  proxy.fail(10, "503");
  const error = await assertStorageError(storage.read(`${root}/data.bin`), {
    code: "SYSTEM:StorageError",
    operation: "read",
    uri: `${root}/data.bin`,
    recoverable: true,
  });
  assertStringIncludes(error.message, "503");
  assertEquals(proxy.pending, 6);
});
