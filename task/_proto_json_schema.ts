// Field tables of the flyteidl messages reachable from `admin.TaskSpec` and `core.TaskTemplate`
// (flyteidl 1.16.5), as proto3 JSON needs them: JSON name, type, and flags ("r" repeated, "m"
// map with string keys, "o" member of a oneof, whose default value is still written). Derived
// from the protos' descriptor set (`protoc --descriptor_set_out`); `proto_json_test.ts` derives
// it again from the protos in node_modules and checks the encoder against protobuf's own
// `json_format`.

/** `[jsonName, type, flags?]`. */
export type FieldSpec = readonly [string, string, string?];

/** Fields by full message name. */
export const MESSAGES: Readonly<Record<string, readonly FieldSpec[]>> = {
  "flyteidl.admin.TaskSpec": [["template", "flyteidl.core.TaskTemplate"], [
    "description",
    "flyteidl.admin.DescriptionEntity",
  ]],
  "flyteidl.core.TaskTemplate": [
    ["id", "flyteidl.core.Identifier"],
    ["type", "string"],
    ["metadata", "flyteidl.core.TaskMetadata"],
    ["interface", "flyteidl.core.TypedInterface"],
    ["custom", "google.protobuf.Struct"],
    ["container", "flyteidl.core.Container", "o"],
    ["k8sPod", "flyteidl.core.K8sPod", "o"],
    ["sql", "flyteidl.core.Sql", "o"],
    ["taskTypeVersion", "int32"],
    ["securityContext", "flyteidl.core.SecurityContext"],
    ["extendedResources", "flyteidl.core.ExtendedResources"],
    ["config", "string", "m"],
  ],
  "flyteidl.core.Identifier": [
    ["resourceType", "flyteidl.core.ResourceType"],
    ["project", "string"],
    ["domain", "string"],
    ["name", "string"],
    ["version", "string"],
    ["org", "string"],
  ],
  "flyteidl.core.TaskMetadata": [
    ["discoverable", "bool"],
    ["runtime", "flyteidl.core.RuntimeMetadata"],
    ["timeout", "google.protobuf.Duration"],
    ["retries", "flyteidl.core.RetryStrategy"],
    ["discoveryVersion", "string"],
    ["deprecatedErrorMessage", "string"],
    ["interruptible", "bool", "o"],
    ["cacheSerializable", "bool"],
    ["tags", "string", "m"],
    ["podTemplateName", "string"],
    ["cacheIgnoreInputVars", "string", "r"],
    ["isEager", "bool"],
    ["generatesDeck", "google.protobuf.BoolValue"],
    ["metadata", "flyteidl.core.K8sObjectMetadata"],
  ],
  "flyteidl.core.RuntimeMetadata": [["type", "flyteidl.core.RuntimeMetadata.RuntimeType"], [
    "version",
    "string",
  ], ["flavor", "string"]],
  "flyteidl.core.RetryStrategy": [["retries", "uint32"]],
  "flyteidl.core.K8sObjectMetadata": [["labels", "string", "m"], ["annotations", "string", "m"]],
  "flyteidl.core.TypedInterface": [["inputs", "flyteidl.core.VariableMap"], [
    "outputs",
    "flyteidl.core.VariableMap",
  ]],
  "flyteidl.core.VariableMap": [["variables", "flyteidl.core.Variable", "m"]],
  "flyteidl.core.Variable": [["type", "flyteidl.core.LiteralType"], ["description", "string"], [
    "artifactPartialId",
    "flyteidl.core.ArtifactID",
  ], ["artifactTag", "flyteidl.core.ArtifactTag"]],
  "flyteidl.core.LiteralType": [
    ["simple", "flyteidl.core.SimpleType", "o"],
    ["schema", "flyteidl.core.SchemaType", "o"],
    ["collectionType", "flyteidl.core.LiteralType", "o"],
    ["mapValueType", "flyteidl.core.LiteralType", "o"],
    ["blob", "flyteidl.core.BlobType", "o"],
    ["enumType", "flyteidl.core.EnumType", "o"],
    ["structuredDatasetType", "flyteidl.core.StructuredDatasetType", "o"],
    ["unionType", "flyteidl.core.UnionType", "o"],
    ["metadata", "google.protobuf.Struct"],
    ["annotation", "flyteidl.core.TypeAnnotation"],
    ["structure", "flyteidl.core.TypeStructure"],
  ],
  "flyteidl.core.SchemaType": [["columns", "flyteidl.core.SchemaType.SchemaColumn", "r"]],
  "flyteidl.core.SchemaType.SchemaColumn": [["name", "string"], [
    "type",
    "flyteidl.core.SchemaType.SchemaColumn.SchemaColumnType",
  ]],
  "flyteidl.core.BlobType": [["format", "string"], [
    "dimensionality",
    "flyteidl.core.BlobType.BlobDimensionality",
  ]],
  "flyteidl.core.EnumType": [["values", "string", "r"]],
  "flyteidl.core.StructuredDatasetType": [
    ["columns", "flyteidl.core.StructuredDatasetType.DatasetColumn", "r"],
    ["format", "string"],
    ["externalSchemaType", "string"],
    ["externalSchemaBytes", "bytes"],
  ],
  "flyteidl.core.StructuredDatasetType.DatasetColumn": [["name", "string"], [
    "literalType",
    "flyteidl.core.LiteralType",
  ]],
  "flyteidl.core.UnionType": [["variants", "flyteidl.core.LiteralType", "r"]],
  "flyteidl.core.TypeAnnotation": [["annotations", "google.protobuf.Struct"]],
  "flyteidl.core.TypeStructure": [["tag", "string"], [
    "dataclassType",
    "flyteidl.core.LiteralType",
    "m",
  ]],
  "flyteidl.core.ArtifactID": [
    ["artifactKey", "flyteidl.core.ArtifactKey"],
    ["version", "string"],
    ["partitions", "flyteidl.core.Partitions"],
    ["timePartition", "flyteidl.core.TimePartition"],
  ],
  "flyteidl.core.ArtifactKey": [["project", "string"], ["domain", "string"], ["name", "string"], [
    "org",
    "string",
  ]],
  "flyteidl.core.Partitions": [["value", "flyteidl.core.LabelValue", "m"]],
  "flyteidl.core.LabelValue": [
    ["staticValue", "string", "o"],
    ["timeValue", "google.protobuf.Timestamp", "o"],
    ["triggeredBinding", "flyteidl.core.ArtifactBindingData", "o"],
    ["inputBinding", "flyteidl.core.InputBindingData", "o"],
    ["runtimeBinding", "flyteidl.core.RuntimeBinding", "o"],
  ],
  "flyteidl.core.ArtifactBindingData": [["partitionKey", "string", "o"], [
    "bindToTimePartition",
    "bool",
    "o",
  ], ["timeTransform", "flyteidl.core.TimeTransform"]],
  "flyteidl.core.TimeTransform": [["transform", "string"], ["op", "flyteidl.core.Operator"]],
  "flyteidl.core.InputBindingData": [["var", "string"]],
  "flyteidl.core.RuntimeBinding": [],
  "flyteidl.core.TimePartition": [["value", "flyteidl.core.LabelValue"], [
    "granularity",
    "flyteidl.core.Granularity",
  ]],
  "flyteidl.core.ArtifactTag": [["artifactKey", "flyteidl.core.ArtifactKey"], [
    "value",
    "flyteidl.core.LabelValue",
  ]],
  "flyteidl.core.Container": [
    ["image", "string"],
    ["command", "string", "r"],
    ["args", "string", "r"],
    ["resources", "flyteidl.core.Resources"],
    ["env", "flyteidl.core.KeyValuePair", "r"],
    ["config", "flyteidl.core.KeyValuePair", "r"],
    ["ports", "flyteidl.core.ContainerPort", "r"],
    ["dataConfig", "flyteidl.core.DataLoadingConfig"],
    ["architecture", "flyteidl.core.Container.Architecture"],
  ],
  "flyteidl.core.Resources": [["requests", "flyteidl.core.Resources.ResourceEntry", "r"], [
    "limits",
    "flyteidl.core.Resources.ResourceEntry",
    "r",
  ]],
  "flyteidl.core.Resources.ResourceEntry": [["name", "flyteidl.core.Resources.ResourceName"], [
    "value",
    "string",
  ]],
  "flyteidl.core.KeyValuePair": [["key", "string"], ["value", "string"]],
  "flyteidl.core.ContainerPort": [["containerPort", "uint32"], ["name", "string"]],
  "flyteidl.core.DataLoadingConfig": [
    ["enabled", "bool"],
    ["inputPath", "string"],
    ["outputPath", "string"],
    ["format", "flyteidl.core.DataLoadingConfig.LiteralMapFormat"],
    ["ioStrategy", "flyteidl.core.IOStrategy"],
  ],
  "flyteidl.core.IOStrategy": [["downloadMode", "flyteidl.core.IOStrategy.DownloadMode"], [
    "uploadMode",
    "flyteidl.core.IOStrategy.UploadMode",
  ]],
  "flyteidl.core.K8sPod": [
    ["metadata", "flyteidl.core.K8sObjectMetadata"],
    ["podSpec", "google.protobuf.Struct"],
    ["dataConfig", "flyteidl.core.DataLoadingConfig"],
    ["primaryContainerName", "string"],
  ],
  "flyteidl.core.Sql": [["statement", "string"], ["dialect", "flyteidl.core.Sql.Dialect"]],
  "flyteidl.core.SecurityContext": [["runAs", "flyteidl.core.Identity"], [
    "secrets",
    "flyteidl.core.Secret",
    "r",
  ], ["tokens", "flyteidl.core.OAuth2TokenRequest", "r"]],
  "flyteidl.core.Identity": [["iamRole", "string"], ["k8sServiceAccount", "string"], [
    "oauth2Client",
    "flyteidl.core.OAuth2Client",
  ], ["executionIdentity", "string"]],
  "flyteidl.core.OAuth2Client": [["clientId", "string"], ["clientSecret", "flyteidl.core.Secret"]],
  "flyteidl.core.Secret": [["group", "string"], ["groupVersion", "string"], ["key", "string"], [
    "mountRequirement",
    "flyteidl.core.Secret.MountType",
  ], ["envVar", "string"]],
  "flyteidl.core.OAuth2TokenRequest": [
    ["name", "string"],
    ["type", "flyteidl.core.OAuth2TokenRequest.Type"],
    ["client", "flyteidl.core.OAuth2Client"],
    ["idpDiscoveryEndpoint", "string"],
    ["tokenEndpoint", "string"],
  ],
  "flyteidl.core.ExtendedResources": [["gpuAccelerator", "flyteidl.core.GPUAccelerator"], [
    "sharedMemory",
    "flyteidl.core.SharedMemory",
  ]],
  "flyteidl.core.GPUAccelerator": [["device", "string"], ["unpartitioned", "bool", "o"], [
    "partitionSize",
    "string",
    "o",
  ]],
  "flyteidl.core.SharedMemory": [["mountPath", "string"], ["mountName", "string"], [
    "sizeLimit",
    "string",
  ]],
  "flyteidl.admin.DescriptionEntity": [
    ["id", "flyteidl.core.Identifier"],
    ["shortDescription", "string"],
    ["longDescription", "flyteidl.admin.Description"],
    ["sourceCode", "flyteidl.admin.SourceCode"],
    ["tags", "string", "r"],
  ],
  "flyteidl.admin.Description": [["value", "string", "o"], ["uri", "string", "o"], [
    "format",
    "flyteidl.admin.DescriptionFormat",
  ], ["iconLink", "string"]],
  "flyteidl.admin.SourceCode": [["link", "string"]],
};
