import { assertEquals, assertThrows } from "@std/assert";
import { dirname, fromFileUrl } from "./_path.ts";

Deno.test("dirname() as POSIX dirname", () => {
  assertEquals(
    ["/a/b/c", "/a/b/", "/a", "/", "a", "a/b", "//a//b", "/a//b//", "//", "///", ""].map(dirname),
    ["/a/b", "/a", "/", "/", ".", "a", "//a", "/a", "/", "/", "."],
  );
});

Deno.test("fromFileUrl() decodes file:// URIs and refuses other hosts and encoded slashes", () => {
  assertEquals(fromFileUrl("file:///tmp/a%20b/c.db"), "/tmp/a b/c.db");
  assertEquals(fromFileUrl("file://localhost/tmp/x"), "/tmp/x");
  assertEquals(fromFileUrl("file:///tmp/%C3%A9"), "/tmp/é");
  for (const bad of ["file://server/share/x", "file:///a%2Fb", "http://x/y"]) {
    const err = assertThrows(() => fromFileUrl(bad), TypeError);
    assertEquals((err as TypeError & { code?: string }).code, "ERR_INVALID_FILE_URL");
  }
  for (const bad of ["file://[::1", "file:///tmp/100%", "file:///tmp/%C3"]) {
    const err = assertThrows(() => fromFileUrl(bad), TypeError);
    assertEquals((err as TypeError & { code?: string }).code, "ERR_INVALID_URL");
  }
});
