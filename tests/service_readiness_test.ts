// The test services are ready when they answer a query, not when their port opens: PostgreSQL
// accepts connections while it starts and refuses them with "the database system is starting up"
// (57P03), which once failed the TLS suite in a fresh run.
import { assert, assertEquals } from "@std/assert";
import { startPostgres, waitForQuery } from "../_testing/postgres.ts";

/** PostgreSQL's ErrorResponse for a server that is still starting. */
function startingUp(): Uint8Array {
  const enc = new TextEncoder();
  const fields = [
    ["S", "FATAL"],
    ["V", "FATAL"],
    ["C", "57P03"],
    ["M", "the database system is starting up"],
  ];
  const body = [...fields.flatMap(([k, v]) => [...enc.encode(k), ...enc.encode(v), 0]), 0];
  const out = new Uint8Array(5 + body.length);
  out[0] = 0x45; // 'E'
  new DataView(out.buffer).setInt32(1, 4 + body.length);
  out.set(body, 5);
  return out;
}

Deno.test("readiness: PostgreSQL is waited for until a query succeeds, not until the port opens", async () => {
  await using pg = await startPostgres();
  // A port that opens at once and answers like a starting server to the first connections, then
  // forwards to the real one.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  let connections = 0;
  const serving = (async () => {
    for await (const conn of listener) {
      connections++;
      if (connections <= 3) {
        await conn.read(new Uint8Array(1024)); // the startup message
        await conn.write(startingUp());
        conn.close();
        continue;
      }
      const upstream = await Deno.connect({ hostname: "127.0.0.1", port: pg.port });
      Promise.all([
        conn.readable.pipeTo(upstream.writable).catch(() => {}),
        upstream.readable.pipeTo(conn.writable).catch(() => {}),
      ]);
    }
  })();
  try {
    const url = pg.url.replace(`:${pg.port}/`, `:${port}/`);
    await waitForQuery(url, { exited: () => false }, Date.now() + 10_000);
    assert(connections >= 4, `ready after ${connections} connections`);
    // Against a port that only ever says "starting up", it gives up with that error.
    const stuck = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const stuckServing = (async () => {
      for await (const conn of stuck) {
        await conn.read(new Uint8Array(1024));
        await conn.write(startingUp());
        conn.close();
      }
    })();
    const stuckUrl = pg.url.replace(`:${pg.port}/`, `:${(stuck.addr as Deno.NetAddr).port}/`);
    const error = await waitForQuery(stuckUrl, { exited: () => false }, Date.now() + 500).then(
      () => undefined,
      (e: Error) => e,
    );
    stuck.close();
    await stuckServing;
    assertEquals(
      error?.message,
      "PostgreSQL did not answer a query in time (last error: the database system is starting up)",
    );
  } finally {
    listener.close();
    await serving;
  }
});
