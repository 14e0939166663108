import { assertEquals, assertThrows } from "@std/assert";
import { StorageError } from "../errors.ts";
import { azureMetadataName, parseAzureUri } from "./azure.ts";
import { azureConfigFromEnv } from "./config.ts";

Deno.test("parseAzureUri() reads adlfs' URI forms", () => {
  assertEquals(parseAzureUri("abfs://c@acct.dfs.core.windows.net/a/b.txt", "read"), {
    account: "acct",
    suffix: "core.windows.net",
    container: "c",
    path: "a/b.txt",
    base: "abfs://c@acct.dfs.core.windows.net",
  });
  assertEquals(
    parseAzureUri("abfss://c@acct.blob.core.chinacloudapi.cn/x", "read").suffix,
    "core.chinacloudapi.cn",
  );
  assertEquals(parseAzureUri("ABFSS://c/p/q", "list"), {
    container: "c",
    path: "p/q",
    suffix: "core.windows.net",
    base: "abfss://c",
  });
  assertEquals(parseAzureUri("abfs://c@acct/p", "read").account, "acct");
  assertEquals(parseAzureUri("abfs://c", "exists").path, "");
  for (const uri of ["abfs:///p", "abfs://@acct/p", "wasbs://c/p"]) {
    const error = assertThrows(() => parseAzureUri(uri, "read"), StorageError);
    assertEquals(error.code, "USER:InvalidInput");
  }
});

Deno.test("azureMetadataName() maps names Azure refuses", () => {
  assertEquals(azureMetadataName("flyte-execution-project"), "flyte_execution_project");
  assertEquals(azureMetadataName("9lives"), "_9lives");
  assertEquals(azureMetadataName("ok_name"), "ok_name");
});

Deno.test("azureConfigFromEnv() flytekit's names win over adlfs' and the SDKs'", () => {
  const config = azureConfigFromEnv({
    FLYTE_AZURE_STORAGE_ACCOUNT_NAME: "flyte",
    AZURE_STORAGE_ACCOUNT_NAME: "adlfs",
    AZURE_STORAGE_CLIENT_ID: "adlfs-client",
    AZURE_CLIENT_ID: "sdk-client",
    AZURE_TENANT_ID: "sdk-tenant",
    AZURE_STORAGE_ANON: "true",
    FLYTESHIM_AZURE_RETRIES: "5",
    _F_P_WRITE_CHUNK_SIZE: "1048576",
  });
  assertEquals(config, {
    accountName: "flyte",
    clientId: "adlfs-client",
    tenantId: "sdk-tenant",
    anonymous: true,
    retries: 5,
    blockSize: 1048576,
  });
  assertEquals(azureConfigFromEnv({}), {});
});
