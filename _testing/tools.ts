// Independent cross-checks use tools from Debian's packages (protoc, python3-boto3,
// python3-protobuf, mariadb-server), which `.ci/setup` and `deno task test` install where they
// can (as root, with apt-get). Where they could not be installed, outside CI, those tests report
// themselves skipped with the reason; in CI (CI=true) they always run, so a missing tool fails.

/** A tool a cross-check needs. */
export type Requirement =
  | { command: string }
  | { python: string }
  | { file: string };

function present(req: Requirement): boolean {
  try {
    if ("file" in req) return Deno.statSync(req.file).isFile;
    const [cmd, args] = "command" in req
      ? [req.command, ["--version"]]
      : ["/usr/bin/python3", ["-c", `import ${req.python}`]];
    return new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

function label(req: Requirement): string {
  return "command" in req ? req.command : "python" in req ? `python3 ${req.python}` : req.file;
}

/**
 * Test options for a cross-check: its name (with the reason when skipped) and whether to skip it.
 * Skips only outside CI, and only when a required tool is missing.
 */
export function crossCheck(
  name: string,
  ...requirements: Requirement[]
): { name: string; ignore: boolean } {
  if (Deno.env.get("CI")) return { name, ignore: false };
  const missing = requirements.filter((r) => !present(r)).map(label);
  if (missing.length === 0) return { name, ignore: false };
  return {
    name: `${name} (skipped: needs ${missing.join(", ")}; run \`sudo bash .ci/setup\`)`,
    ignore: true,
  };
}

/** protoc with the google protos (Debian's protobuf-compiler and libprotobuf-dev). */
export const PROTOC: Requirement[] = [
  { command: "protoc" },
  { file: "/usr/include/google/protobuf/struct.proto" },
];
/** Debian's openssl, which makes the throwaway certificates of the TLS tests. */
export const OPENSSL: Requirement = { file: "/usr/bin/openssl" };
/** Debian's python3-boto3. */
export const BOTO3: Requirement = { python: "boto3" };
/** Debian's python3-protobuf. */
export const PYTHON_PROTOBUF: Requirement = { python: "google.protobuf" };
/** Debian's mariadb-server (the server binary and its client). */
export const MARIADB: Requirement[] = [{ file: "/usr/sbin/mariadbd" }, { command: "mariadb" }];
