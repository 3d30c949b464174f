import { createRequire } from 'node:module';
import proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root.js';
import * as sdk from '@temporalio/common/lib/proto-utils.js';

export type History = sdk.History;

/**
 * Workflow histories as proto3 JSON (what `temporal workflow show --output json` and the Temporal
 * UI export, and the SDK's historyToJSON writes), for the replay fixtures.
 *
 * The SDK's historyToJSON/historyFromJSON (@temporalio/common/lib/proto-utils) are used when they
 * work. In this install they throw "type must be a Type": npm keeps a protobufjs 8 copy under each
 * of @temporalio/common, @temporalio/proto and @temporalio/worker (the top-level one is 7), and
 * common's protojson does `instanceof Type` against its own copy while the history type comes from
 * @temporalio/proto's. The fallback does the same conversion with @temporalio/proto's own copy.
 */
const fromProto = createRequire(createRequire(import.meta.url).resolve('@temporalio/proto'));
type ProtoJson = {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options: { ignoreUnknownFields: boolean }): unknown;
};
let protojson: ProtoJson | undefined;
const historyType = () => (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType('temporal.api.history.v1.History');
const ownCopy = () => (protojson ??= fromProto('protobufjs/ext/protojson') as ProtoJson);
const crossCopy = (err: unknown) => err instanceof TypeError && err.message === 'type must be a Type';

export function historyToJSON(history: History): string {
  try {
    return sdk.historyToJSON(history);
  } catch (err) {
    if (!crossCopy(err)) throw err;
    const json = ownCopy().toJson(historyType(), proto.temporal.api.history.v1.History.fromObject(history));
    return JSON.stringify(json, null, 2);
  }
}

/** A history from its JSON, as a proto object (Worker.runReplayHistory would otherwise convert it with the SDK's). */
export function historyFromJSON(json: unknown): History {
  try {
    return sdk.historyFromJSON(json);
  } catch (err) {
    if (!crossCopy(err)) throw err;
    return ownCopy().fromJson(historyType(), json, { ignoreUnknownFields: true }) as History;
  }
}
