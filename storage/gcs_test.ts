import { assertEquals, assertThrows } from "@std/assert";
import { StorageError } from "../errors.ts";
import { gcsConfigFromEnv } from "./config.ts";
import { parseGcsUri } from "./gcs.ts";

Deno.test("parseGcsUri() splits bucket and name", () => {
  assertEquals(parseGcsUri("gs://b/metadata/propeller/x.pb", "read"), {
    bucket: "b",
    name: "metadata/propeller/x.pb",
  });
  assertEquals(parseGcsUri("gs://b", "exists"), { bucket: "b", name: "" });
  const error = assertThrows(() => parseGcsUri("gs:///k", "read"), StorageError);
  assertEquals(error.code, "USER:InvalidInput");
});

Deno.test("gcsConfigFromEnv() the emulator host wins and sends no credentials", () => {
  assertEquals(
    gcsConfigFromEnv({
      STORAGE_EMULATOR_HOST: "http://localhost:9199/",
      GOOGLE_APPLICATION_CREDENTIALS: "/k.json",
    }),
    { endpoint: "http://localhost:9199", emulator: true, credentialsFile: "/k.json" },
  );
  assertEquals(
    gcsConfigFromEnv({
      FLYTESHIM_GCS_ENDPOINT: "https://proxy.internal",
      FLYTESHIM_GCS_ANONYMOUS: "1",
      GCE_METADATA_HOST: "10.0.0.1:8080",
      FLYTESHIM_GCS_RETRIES: "0",
    }),
    {
      endpoint: "https://proxy.internal",
      anonymous: true,
      metadataHost: "10.0.0.1:8080",
      retries: 0,
    },
  );
});
