// Telling a task template from the other files a user may point a task at by mistake: inputs
// and outputs (LiteralMap), error documents, registration TaskSpecs, archives, text. Protobuf
// decoding is lenient (unknown fields are skipped), so most of these decode as an empty template
// and would fail later, far from the cause, as a missing `custom` field.
import { UserError } from "../errors.ts";
import { decodeTaskTemplate, fitsMessage, type TaskTemplate } from "../idl/core.ts";

const TEMPLATE = "flyteidl.core.TaskTemplate";

/**
 * Decodes `task.pb` bytes as a task template, or throws `USER:InvalidTemplate` saying what the
 * file is not and, where recognisable, what it looks like. A template must have a task type
 * (every serialized template has one); one with fields this version does not know is accepted
 * unless the bytes are, field for field, another known message.
 */
export function templateFromBytes(uri: string, bytes: Uint8Array): TaskTemplate {
  let template: TaskTemplate | undefined;
  let cause: unknown;
  try {
    template = decodeTaskTemplate(bytes);
  } catch (error) {
    cause = error;
  }
  let kind: string | undefined;
  if (template?.type) {
    if (fitsMessage(TEMPLATE, bytes)) return template;
    kind = otherMessage(bytes);
    if (kind === undefined) return template;
  }
  kind ??= bytes.length === 0 ? "it is empty" : otherMessage(bytes) ?? otherFormat(bytes);
  kind ??= template ? "it decodes as one but has no task type" : "it is not a protobuf message";
  throw new UserError(
    `Cannot load task template "${uri}": the file is not a binary flyteidl.core.TaskTemplate; ${kind}`,
    { code: "USER:InvalidTemplate", cause },
  );
}

/** The other Flyte messages a template URI may name by mistake. */
function otherMessage(bytes: Uint8Array): string | undefined {
  if (isTaskSpec(bytes)) {
    return 'it looks like a registration flyteidl.admin.TaskSpec, which holds the task template in its field "template"';
  }
  // A map entry's value must fit a Literal, an error's message is any text: maps first.
  if (fitsMessage("flyteidl.core.LiteralMap", bytes)) {
    return "it looks like a flyteidl.core.LiteralMap (an inputs.pb or outputs.pb)";
  }
  if (fitsMessage("flyteidl.core.ErrorDocument", bytes)) {
    return "it looks like a flyteidl.core.ErrorDocument (an error.pb)";
  }
  return undefined;
}

/** A few file formats by their first bytes, and text. */
function otherFormat(bytes: Uint8Array): string | undefined {
  const starts = (...prefix: number[]) => prefix.every((b, i) => bytes[i] === b);
  if (starts(0x1f, 0x8b)) {
    return "it looks like a gzip archive (a registration package such as flyte-package.tgz?)";
  }
  if (starts(0x50, 0x4b, 0x03, 0x04)) return "it looks like a zip archive";
  if (new TextDecoder().decode(bytes.subarray(0, 16)) === "SQLite format 3\0") {
    return "it looks like a SQLite database";
  }
  if (starts(0x50, 0x41, 0x52, 0x31)) return "it looks like a parquet file";
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, 4096));
  } catch {
    return undefined;
  }
  // Printable text (a cut multi-byte character at the 4 KB mark aside).
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return undefined;
  }
  const start = text.trimStart()[0];
  return start === "{" || start === "["
    ? "it looks like JSON text (templates are binary protobuf)"
    : "it looks like text (templates are binary protobuf)";
}

/**
 * A `flyteidl.admin.TaskSpec`: field 1 a task template (with a type), field 2 a description;
 * checked by shape, without loading the admin messages.
 */
function isTaskSpec(bytes: Uint8Array): boolean {
  let pos = 0;
  let template = false;
  const varint = () => {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos >= bytes.length) return -1;
      const b = bytes[pos++];
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
    return -1;
  };
  while (pos < bytes.length) {
    const tag = varint();
    const length = varint();
    if ((tag !== 10 && tag !== 18) || length < 0 || pos + length > bytes.length) return false;
    const value = bytes.subarray(pos, pos + length);
    pos += length;
    if (tag === 10) {
      if (!fitsMessage(TEMPLATE, value)) return false;
      try {
        if (!decodeTaskTemplate(value).type) return false;
      } catch {
        return false;
      }
      template = true;
    }
  }
  return template;
}
