import { assertEquals, assertThrows } from "@std/assert";
import { UserError } from "../errors.ts";
import { configFromEnv, errorReportingFromEnv, isTruthy } from "./config.ts";

const randomId = () => "0123456789abcdef0123456789abcdef";

Deno.test("configFromEnv() execution identity from FLYTE_INTERNAL_* with _F_* fallbacks", () => {
  const config = configFromEnv({
    FLYTE_INTERNAL_EXECUTION_PROJECT: "flytesnacks",
    _F_PRJ: "ignored",
    _F_DM: "development",
    FLYTE_INTERNAL_EXECUTION_ID: "f6a2b8c1d9e0",
    FLYTE_INTERNAL_EXECUTION_WORKFLOW: "wf",
    _F_LP: "lp",
    FLYTE_INTERNAL_TASK_PROJECT: "tp",
    _F_TK_DM: "td",
    FLYTE_INTERNAL_TASK_NAME: "tn",
    _F_TK_V: "v1",
    FLYTE_ATTEMPT_NUMBER: "2",
  });
  assertEquals(config.execution, {
    project: "flytesnacks",
    domain: "development",
    name: "f6a2b8c1d9e0",
    workflow: "wf",
    launchPlan: "lp",
    task: { project: "tp", domain: "td", name: "tn", version: "v1" },
    attempt: 2,
  });
});

Deno.test("configFromEnv() a variable set to empty still wins, as flytekit's get_one_of", () => {
  assertEquals(
    configFromEnv({ FLYTE_INTERNAL_EXECUTION_PROJECT: "", _F_PRJ: "p" }).execution.project,
    "",
  );
});

Deno.test("configFromEnv() defaults", () => {
  const config = configFromEnv({});
  assertEquals(config.execution.attempt, 0);
  assertEquals(config.offload, undefined);
  assertEquals(config.arrayIndex, undefined);
  assertEquals(config.failOnError, false);
  assertEquals(config.errorFileName, "error.pb");
  assertEquals(config.worker, "");
  assertEquals(config.logLevel, "info");
  assertEquals(config.secrets.envPrefix, "_FSEC_");
  assertEquals(config.storageMetadata, {});
  assertEquals(
    configFromEnv({ _F_PRJ: "p", _F_DM: "d", _F_NM: "n", _F_WF: "w", _F_LP: "l" }).storageMetadata,
    {
      "flyte-execution-project": "p",
      "flyte-execution-domain": "d",
      "flyte-execution-launchplan": "l",
      "flyte-execution-workflow": "w",
      "flyte-execution-name": "n",
    },
  );
});

Deno.test("isTruthy() fail on error accepts true, t and 1", () => {
  for (const v of ["true", "T", "1", "TRUE"]) assertEquals(isTruthy(v), true);
  for (const v of ["false", "0", "yes", "", undefined]) assertEquals(isTruthy(v), false);
  assertEquals(configFromEnv({ FLYTE_FAIL_ON_ERROR: "t" }).failOnError, true);
});

Deno.test("errorReportingFromEnv() distributed error strategy names the file and the worker", () => {
  assertEquals(errorReportingFromEnv({ _F_DES: "earliest", _F_WN: "worker-1" }, { randomId }), {
    errorFileName: `error-${randomId()}.pb`,
    worker: "worker-1",
    failOnError: false,
  });
  // Without a strategy the worker name is not used.
  assertEquals(errorReportingFromEnv({ _F_WN: "worker-1" }).worker, "");
  assertEquals(
    errorReportingFromEnv({
      FLYTE_INTERNAL_DIST_ERROR_STRATEGY: "x",
      FLYTE_INTERNAL_WORKER_NAME: "w",
    }).worker,
    "w",
  );
});

Deno.test("configFromEnv() offloading thresholds in MB", () => {
  assertEquals(configFromEnv({ _F_L_MIN_SIZE_MB: "1" }).offload, {
    minBytes: 1024 * 1024,
    maxBytes: 1000 * 1024 * 1024,
  });
  assertEquals(configFromEnv({ _F_L_MIN_SIZE_MB: "0.5", _F_L_MAX_SIZE_MB: "2" }).offload, {
    minBytes: 512 * 1024,
    maxBytes: 2 * 1024 * 1024,
  });
  // _F_L_MAX_SIZE_MB alone does not enable offloading (flytekit checks the min variable).
  assertEquals(configFromEnv({ _F_L_MAX_SIZE_MB: "2" }).offload, undefined);
});

Deno.test("configFromEnv() array index with offset", () => {
  const env = {
    BATCH_JOB_ARRAY_INDEX_VAR_NAME: "FLYTE_K8S_ARRAY_INDEX",
    FLYTE_K8S_ARRAY_INDEX: "3",
  };
  assertEquals(configFromEnv(env).arrayIndex, 3);
  assertEquals(configFromEnv({ ...env, BATCH_JOB_ARRAY_INDEX_OFFSET: "10" }).arrayIndex, 13);
});

Deno.test("configFromEnv() invalid values are USER:InvalidEnvironment", () => {
  for (
    const env of [
      { _F_L_MIN_SIZE_MB: "ten" },
      { _F_L_MIN_SIZE_MB: "-1" },
      { FLYTE_ATTEMPT_NUMBER: "x" },
      { BATCH_JOB_ARRAY_INDEX_VAR_NAME: "IDX" },
      { BATCH_JOB_ARRAY_INDEX_VAR_NAME: "IDX", IDX: "1.5" },
      { BATCH_JOB_ARRAY_INDEX_VAR_NAME: "IDX", IDX: "1", BATCH_JOB_ARRAY_INDEX_OFFSET: "z" },
      { FLYTESHIM_LOG_LEVEL: "loud" },
      { FLYTESHIM_MAX_UNPACKED_MB: "lots" },
      { FLYTESHIM_MAX_UNPACKED_MB: "0" },
      { FLYTESHIM_MAX_UNPACKED_MB: "-5" },
      { FLYTESHIM_ABORT_WATCHDOG: "sometimes" },
      { FLYTESHIM_PARQUET_COMPRESSION: "gzip" },
      { FLYTESHIM_PARQUET_ROW_GROUP_ROWS: "0" },
      { FLYTESHIM_PARQUET_ROW_GROUP_ROWS: "1e6" },
      { FLYTESHIM_PARQUET_ROW_GROUP_MB: "-1" },
    ]
  ) {
    const err = assertThrows(() => configFromEnv(env), UserError);
    assertEquals(err.code, "USER:InvalidEnvironment", JSON.stringify(env));
  }
});

Deno.test("configFromEnv() the unpacking limit for executors is given in MiB", () => {
  assertEquals(configFromEnv({}).limits, {});
  assertEquals(configFromEnv({ FLYTESHIM_MAX_UNPACKED_MB: " " }).limits, {});
  assertEquals(
    configFromEnv({ FLYTESHIM_MAX_UNPACKED_MB: "16" }).limits.maxUnpackedBytes,
    16 * 2 ** 20,
  );
  assertEquals(
    configFromEnv({ FLYTESHIM_MAX_UNPACKED_MB: "0.5" }).limits.maxUnpackedBytes,
    2 ** 19,
  );
});

Deno.test("configFromEnv() execution metadata can be switched off", () => {
  assertEquals(
    configFromEnv({ FLYTE_PERSISTENCE_ATTACH_EXECUTION_METADATA: "false" }).storageMetadata,
    undefined,
  );
  assertEquals(
    configFromEnv({ FLYTE_PERSISTENCE_ATTACH_EXECUTION_METADATA: "true", _F_NM: "n" })
      .storageMetadata?.["flyte-execution-name"],
    "n",
  );
});

Deno.test("configFromEnv() S3 and secrets settings", () => {
  const config = configFromEnv({
    FLYTE_AWS_ENDPOINT: "http://minio:9000",
    FLYTE_SECRETS_DEFAULT_DIR: "/s",
    FLYTE_SECRETS_ENV_PREFIX: "P_",
  });
  assertEquals(config.s3.endpoint, "http://minio:9000");
  assertEquals(config.secrets.dirs, ["/s", "/etc/secrets"]);
  assertEquals(config.secrets.envPrefix, "P_");
});

Deno.test("configFromEnv() an unpacking limit that is not at least one byte is USER:InvalidEnvironment", () => {
  for (const value of ["0.0000001", "1e-7", "0x10", "-5", "1e3", "16 MB"]) {
    const error = assertThrows(
      () => configFromEnv({ FLYTESHIM_MAX_UNPACKED_MB: value }),
      UserError,
      "a positive number of MiB",
    );
    assertEquals(error.code, "USER:InvalidEnvironment", value);
  }
});

Deno.test("configFromEnv() the abort watchdog is auto unless FLYTESHIM_ABORT_WATCHDOG says on or off", () => {
  assertEquals(configFromEnv({}).abortWatchdog, "auto");
  assertEquals(configFromEnv({ FLYTESHIM_ABORT_WATCHDOG: " ON " }).abortWatchdog, "on");
  assertEquals(configFromEnv({ FLYTESHIM_ABORT_WATCHDOG: "off" }).abortWatchdog, "off");
  assertEquals(configFromEnv({ FLYTESHIM_ABORT_WATCHDOG: "" }).abortWatchdog, "auto");
});

Deno.test("configFromEnv() parquet compression and row group size for executors", () => {
  assertEquals(configFromEnv({}).limits.parquet, undefined);
  assertEquals(
    configFromEnv({
      FLYTESHIM_PARQUET_COMPRESSION: "ZSTD",
      FLYTESHIM_PARQUET_ROW_GROUP_ROWS: "100000",
      FLYTESHIM_PARQUET_ROW_GROUP_MB: "32",
    }).limits.parquet,
    { codec: "ZSTD", rowGroupRows: 100_000, rowGroupBytes: 32 * 2 ** 20 },
  );
  assertEquals(
    configFromEnv({ FLYTESHIM_PARQUET_COMPRESSION: "none" }).limits.parquet,
    { codec: "UNCOMPRESSED" },
  );
});
