// Classification of AWS SDK failures (the service-backed behaviour is in tests/storage_s3*_test.ts).
import { assertEquals, assertThrows } from "@std/assert";
import { StorageError } from "../errors.ts";
import { parseS3Uri, s3Error } from "./s3.ts";

function sdkError(name: string, status?: number, extra: Record<string, unknown> = {}) {
  return Object.assign(new Error(`${name} happened`), {
    name,
    $metadata: { httpStatusCode: status, attempts: 4 },
    ...extra,
  });
}

Deno.test("parseS3Uri() splits bucket and key and refuses bucket-less URIs", () => {
  assertEquals(parseS3Uri("s3://b/a/b.pb", "read"), { bucket: "b", key: "a/b.pb" });
  assertEquals(parseS3Uri("s3://b", "list"), { bucket: "b", key: "" });
  const error = assertThrows(() => parseS3Uri("s3:///k", "read"), StorageError);
  assertEquals([error.code, error.origin], ["USER:InvalidInput", "user"]);
});

Deno.test("s3Error() missing objects and buckets are USER:NotFound", () => {
  const uri = "s3://b/k";
  for (const e of [sdkError("NoSuchKey", 404), sdkError("NotFound", 404), sdkError("X", 404)]) {
    const error = s3Error("read", uri, e);
    assertEquals([error.code, error.recoverable, error.message], [
      "USER:NotFound",
      false,
      'Cannot read "s3://b/k": object does not exist',
    ]);
  }
  assertEquals(
    s3Error("read", uri, sdkError("NoSuchBucket", 404)).message,
    'Cannot read "s3://b/k": bucket "b" does not exist',
  );
});

Deno.test("s3Error() a 404 to a write says what was being written, not that the object is missing", () => {
  for (const op of ["write", "upload"] as const) {
    for (const e of [sdkError("NotFound", 404), sdkError("UnknownError", 404)]) {
      const error = s3Error(op, "s3://b/raw/k", e);
      assertEquals([error.code, error.origin, error.recoverable], ["USER:NotFound", "user", false]);
      assertEquals(
        error.message,
        `Cannot ${op} "s3://b/raw/k": the server answered HTTP 404 (${e.name}) to writing the object: bucket "b" or the S3 endpoint is not there (check the bucket name and FLYTE_AWS_ENDPOINT)`,
      );
    }
  }
  assertEquals(
    s3Error("upload", "s3://b/k", sdkError("NoSuchBucket", 404)).message,
    'Cannot upload "s3://b/k": bucket "b" does not exist',
  );
});

Deno.test("s3Error() denied access is USER:AccessDenied", () => {
  for (const e of [sdkError("AccessDenied", 403), sdkError("InvalidAccessKeyId", 403)]) {
    const error = s3Error("write", "s3://b/k", e);
    assertEquals([error.code, error.origin, error.recoverable], [
      "USER:AccessDenied",
      "user",
      false,
    ]);
  }
});

Deno.test("s3Error() other 4xx are non-recoverable USER errors; 5xx and network failures SYSTEM", () => {
  const bad = s3Error("write", "s3://b/k", sdkError("InvalidBucketName", 400));
  assertEquals([bad.code, bad.recoverable], ["USER:StorageError", false]);
  const slow = s3Error("read", "s3://b/k", sdkError("SlowDown", 503));
  assertEquals([slow.code, slow.recoverable], ["SYSTEM:StorageError", true]);
  assertEquals(
    slow.message,
    'Cannot read "s3://b/k": HTTP 503 SlowDown: SlowDown happened (after 4 attempts)',
  );
  const reset = s3Error(
    "read",
    "s3://b/k",
    Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }),
  );
  assertEquals([reset.code, reset.message], [
    "SYSTEM:StorageError",
    'Cannot read "s3://b/k": ECONNRESET: socket hang up',
  ]);
  const creds = s3Error("read", "s3://b/k", sdkError("CredentialsProviderError"));
  assertEquals([creds.code, creds.recoverable], ["SYSTEM:StorageError", false]);
});

Deno.test("s3Error() aborts are SYSTEM:Aborted", () => {
  const error = s3Error("read", "s3://b/k", Object.assign(new Error("x"), { name: "AbortError" }));
  assertEquals(error.code, "SYSTEM:Aborted");
});
