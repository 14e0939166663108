// The HTTP backend against a live server is tested in tests/storage_http_test.ts.
import { assertEquals } from "@std/assert";
import { redactUri } from "./http.ts";

Deno.test("redactUri() hides credentials and query strings", () => {
  assertEquals(redactUri("https://host/db.sqlite"), "https://host/db.sqlite");
  assertEquals(
    redactUri("https://user:pw@host/db.sqlite?X-Amz-Signature=abc"),
    "https://***@host/db.sqlite?***",
  );
  assertEquals(redactUri("not a url?token=1"), "not a url?***");
});
