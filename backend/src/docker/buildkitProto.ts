import protobuf from 'protobufjs';

/**
 * The few BuildKit and containerd messages the build history client needs, written from their field
 * numbers (BuildKit `api/services/control`, containerd `services/content/v1`, `google.rpc.Status`).
 * Only the fields GoCache Lens reads are declared; unknown fields are skipped when decoding. The
 * package name is our own: only field numbers and types matter on the wire.
 */

const str = (id: number) => ({ type: 'string', id });
const int64 = (id: number) => ({ type: 'int64', id });
const int32 = (id: number) => ({ type: 'int32', id });
const bool = (id: number) => ({ type: 'bool', id });
const msg = (type: string, id: number) => ({ type, id });
const repeated = (type: string, id: number) => ({ rule: 'repeated', type, id });
const stringMap = (id: number) => ({ keyType: 'string', type: 'string', id });

// Map fields carry `keyType`, which protobufjs's IField type does not declare.
const definition = {
  nested: {
    lens: {
      nested: {
        Timestamp: { fields: { seconds: int64(1), nanos: int32(2) } },
        AnyDetail: { fields: { typeUrl: str(1), value: { type: 'bytes', id: 2 } } },
        RpcStatus: { fields: { code: int32(1), message: str(2), details: repeated('AnyDetail', 3) } },
        Descriptor: {
          fields: { mediaType: str(1), digest: str(2), size: int64(3), annotations: stringMap(5) },
        },
        Exporter: { fields: { type: str(1), attrs: stringMap(2) } },
        BuildResultInfo: {
          fields: {
            resultDeprecated: msg('Descriptor', 1),
            attestations: repeated('Descriptor', 2),
            results: { keyType: 'int64', type: 'Descriptor', id: 3 },
          },
        },
        BuildHistoryRecord: {
          fields: {
            ref: str(1),
            frontend: str(2),
            frontendAttrs: stringMap(3),
            exporters: repeated('Exporter', 4),
            error: msg('RpcStatus', 5),
            createdAt: msg('Timestamp', 6),
            completedAt: msg('Timestamp', 7),
            logs: msg('Descriptor', 8),
            exporterResponse: stringMap(9),
            result: msg('BuildResultInfo', 10),
            results: { keyType: 'string', type: 'BuildResultInfo', id: 11 },
            generation: int32(12),
            trace: msg('Descriptor', 13),
            pinned: bool(14),
            numCachedSteps: int32(15),
            numTotalSteps: int32(16),
            numCompletedSteps: int32(17),
          },
        },
        BuildHistoryEventType: { values: { STARTED: 0, COMPLETE: 1, DELETED: 2 } },
        BuildHistoryEvent: {
          fields: { type: msg('BuildHistoryEventType', 1), record: msg('BuildHistoryRecord', 2) },
        },
        BuildHistoryRequest: { fields: { activeOnly: bool(1), ref: str(2), earlyExit: bool(3) } },
        ReadContentRequest: { fields: { digest: str(1), offset: int64(2), size: int64(3) } },
        ReadContentResponse: { fields: { offset: int64(1), data: { type: 'bytes', id: 2 } } },
        Vertex: {
          fields: {
            digest: str(1),
            inputs: repeated('string', 2),
            name: str(3),
            cached: bool(4),
            started: msg('Timestamp', 5),
            completed: msg('Timestamp', 6),
            error: str(7),
          },
        },
        VertexLog: {
          fields: {
            vertex: str(1),
            timestamp: msg('Timestamp', 2),
            stream: int64(3),
            msg: { type: 'bytes', id: 4 },
          },
        },
        StatusResponse: { fields: { vertexes: repeated('Vertex', 1), logs: repeated('VertexLog', 3) } },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(definition as unknown as protobuf.INamespace);

const T = {
  event: root.lookupType('lens.BuildHistoryEvent'),
  request: root.lookupType('lens.BuildHistoryRequest'),
  readRequest: root.lookupType('lens.ReadContentRequest'),
  readResponse: root.lookupType('lens.ReadContentResponse'),
  status: root.lookupType('lens.StatusResponse'),
};

const TO_OBJECT: protobuf.IConversionOptions = {
  longs: Number,
  enums: String,
  bytes: Buffer,
  defaults: true,
  arrays: true,
  objects: true,
};

export interface PbTimestamp {
  seconds: number;
  nanos: number;
}

export interface PbDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations: Record<string, string>;
}

export interface PbAnyDetail {
  typeUrl: string;
  value: Buffer;
}

export interface PbRpcStatus {
  code: number;
  message: string;
  details: PbAnyDetail[];
}

export interface PbBuildResultInfo {
  resultDeprecated: PbDescriptor | null;
  attestations: PbDescriptor[];
  results: Record<string, PbDescriptor>;
}

export interface PbBuildHistoryRecord {
  ref: string;
  frontend: string;
  frontendAttrs: Record<string, string>;
  exporters: { type: string; attrs: Record<string, string> }[];
  error: PbRpcStatus | null;
  createdAt: PbTimestamp | null;
  completedAt: PbTimestamp | null;
  logs: PbDescriptor | null;
  exporterResponse: Record<string, string>;
  result: PbBuildResultInfo | null;
  results: Record<string, PbBuildResultInfo>;
  generation: number;
  trace: PbDescriptor | null;
  pinned: boolean;
  numCachedSteps: number;
  numTotalSteps: number;
  numCompletedSteps: number;
}

export type PbBuildHistoryEventType = 'STARTED' | 'COMPLETE' | 'DELETED';

export interface PbBuildHistoryEvent {
  type: PbBuildHistoryEventType;
  record: PbBuildHistoryRecord | null;
}

export interface PbVertex {
  digest: string;
  inputs: string[];
  name: string;
  cached: boolean;
  started: PbTimestamp | null;
  completed: PbTimestamp | null;
  error: string;
}

export interface PbVertexLog {
  vertex: string;
  timestamp: PbTimestamp | null;
  stream: number;
  msg: Buffer;
}

export interface PbStatusResponse {
  vertexes: PbVertex[];
  logs: PbVertexLog[];
}

function decode<R>(type: protobuf.Type, bytes: Uint8Array, what: string): R {
  try {
    return type.toObject(type.decode(bytes), TO_OBJECT) as R;
  } catch (e) {
    throw new Error(`malformed ${what} message: ${(e as Error).message}`, { cause: e });
  }
}

function encode(type: protobuf.Type, value: Record<string, unknown>): Uint8Array {
  return type.encode(type.fromObject(value)).finish();
}

export function encodeBuildHistoryRequest(req: {
  activeOnly?: boolean;
  ref?: string;
  earlyExit?: boolean;
}): Uint8Array {
  return encode(T.request, req);
}

export function decodeBuildHistoryEvent(bytes: Uint8Array): PbBuildHistoryEvent {
  return decode<PbBuildHistoryEvent>(T.event, bytes, 'BuildHistoryEvent');
}

type DeepPartial<T> = T extends Buffer
  ? Uint8Array
  : T extends (infer U)[]
    ? DeepPartial<U>[]
    : T extends object
      ? { [K in keyof T]?: DeepPartial<T[K]> | null }
      : T;

/** Encodes an event as the engine sends it (tests use it to make recorded responses). */
export function encodeBuildHistoryEvent(event: {
  type: PbBuildHistoryEventType;
  record: DeepPartial<PbBuildHistoryRecord>;
}): Uint8Array {
  return encode(T.event, event as unknown as Record<string, unknown>);
}

export function encodeReadContentRequest(req: {
  digest: string;
  offset?: number;
  size?: number;
}): Uint8Array {
  return encode(T.readRequest, req);
}

export function decodeReadContentResponse(bytes: Uint8Array): { offset: number; data: Buffer } {
  return decode(T.readResponse, bytes, 'ReadContentResponse');
}

export function decodeStatusResponse(bytes: Uint8Array): PbStatusResponse {
  return decode<PbStatusResponse>(T.status, bytes, 'StatusResponse');
}

export function encodeStatusResponse(value: {
  vertexes?: Partial<PbVertex>[];
  logs?: { vertex: string; stream?: number; msg: Uint8Array }[];
}): Uint8Array {
  return encode(T.status, value as Record<string, unknown>);
}
