import { assertEquals, assertStringIncludes } from "@std/assert";
import { StorageError, SystemError, UserError } from "../errors.ts";
import { decodeErrorDocument, encodeErrorDocument, flyteidl, fromInt64 } from "../idl/mod.ts";
import { classifyError, errorMessage, toErrorDocument } from "./error_document.ts";

const { RECOVERABLE, NON_RECOVERABLE } = flyteidl.core.ContainerError.Kind;
const { USER, SYSTEM } = flyteidl.core.ExecutionError.ErrorKind;

function roundTrip(error: unknown, options = {}) {
  return decodeErrorDocument(encodeErrorDocument(toErrorDocument(error, options))).error!;
}

Deno.test("toErrorDocument() makes a user error USER, non-recoverable, with its code", () => {
  const doc = roundTrip(
    new UserError("Cannot run query: no such table: trackz", { code: "USER:SqlError" }),
    {
      now: new Date(1700000000123),
      worker: "w0",
    },
  );
  assertEquals(doc.code, "USER:SqlError");
  assertEquals(doc.kind, NON_RECOVERABLE);
  assertEquals(doc.origin, USER);
  assertEquals(doc.message, "Cannot run query: no such table: trackz");
  assertEquals(fromInt64(doc.timestamp!.seconds), 1700000000n);
  assertEquals(doc.timestamp!.nanos, 123_000_000);
  assertEquals(doc.worker, "w0");
});

Deno.test("toErrorDocument() makes a storage error SYSTEM, recoverable, with the cause", () => {
  const cause = new Error("connection reset");
  const doc = roundTrip(new StorageError("read", "s3://b/k", "network error", { cause }));
  assertEquals([doc.code, doc.kind, doc.origin], ["SYSTEM:StorageError", RECOVERABLE, SYSTEM]);
  assertEquals(
    doc.message,
    'Cannot read "s3://b/k": network error\nCaused by: Error: connection reset',
  );
});

Deno.test("toErrorDocument() makes an unexpected failure SYSTEM:Unknown, recoverable, with the stack", () => {
  let thrown: unknown;
  try {
    (null as unknown as { x: number }).x;
  } catch (e) {
    thrown = e;
  }
  const doc = roundTrip(thrown);
  assertEquals([doc.code, doc.kind, doc.origin], ["SYSTEM:Unknown", RECOVERABLE, SYSTEM]);
  assertStringIncludes(doc.message!, "Unexpected internal failure: TypeError:");
  assertStringIncludes(doc.message!, "Stack:");
  assertStringIncludes(doc.message!, "error_document_test.ts");
  assertEquals(
    roundTrip("a string").message!.startsWith("Unexpected internal failure: a string"),
    true,
  );
});

Deno.test("classifyError() abort is SYSTEM:Aborted, recoverable", () => {
  const err = classifyError(new DOMException("received SIGTERM", "AbortError"));
  assertEquals([err.code, err.origin, err.recoverable], ["SYSTEM:Aborted", "system", true]);
  assertEquals(err.message, "Task was aborted: received SIGTERM");
});

Deno.test("toErrorDocument() keeps a system error non-recoverable when it is", () => {
  const doc = roundTrip(
    new SystemError("Bad output", { code: "SYSTEM:InvalidOutput", recoverable: false }),
  );
  assertEquals([doc.kind, doc.origin], [NON_RECOVERABLE, SYSTEM]);
});

Deno.test("toErrorDocument() redacts messages", () => {
  const doc = roundTrip(new UserError("password hunter2 rejected"), {
    redact: (t: string) => t.replaceAll("hunter2", "***"),
  });
  assertEquals(doc.message, "password *** rejected");
});

Deno.test("errorMessage() cause chains are not repeated", () => {
  const err = new UserError("Cannot do it: boom", { cause: new Error("boom") });
  assertEquals(errorMessage(err), "Cannot do it: boom");
  const chained = new UserError("Cannot do it", {
    cause: new Error("a", { cause: new Error("b") }),
  });
  assertEquals(errorMessage(chained), "Cannot do it\nCaused by: Error: a\nCaused by: Error: b");
});

Deno.test("toErrorDocument() keeps error.pb readable when a message quotes a lone surrogate", () => {
  const doc = toErrorDocument(new UserError('Cannot use key "a\uD800b"'));
  const decoded = decodeErrorDocument(encodeErrorDocument(doc));
  assertEquals(decoded.error?.message, 'Cannot use key "a\uFFFDb"');
});

Deno.test("classifyError() a part of the program that cannot load, or a forbidden operation, is not retried", async () => {
  // As Deno reports a module missing from a build, or outside --allow-read.
  const missing = await import("./no_such_module.ts").catch((e) => e);
  const loading = classifyError(missing);
  assertEquals([loading.code, loading.origin, loading.recoverable], [
    "SYSTEM:ModuleNotFound",
    "system",
    false,
  ]);
  assertStringIncludes(loading.message, "no_such_module.ts");
  const forbidden = classifyError(new Deno.errors.NotCapable('Requires run access to "x"'));
  assertEquals([forbidden.code, forbidden.recoverable], ["SYSTEM:NotPermitted", false]);
  assertEquals(classifyError(new TypeError("boom")).code, "SYSTEM:Unknown");
});
