// Size anchor: what a site ships to upload a talk with Connect (grpc-web transport) and
// @bufbuild/protobuf, using code protoc-gen-es generated from this repository's proto/
// (gen-es/, regenerate with buf.gen.yaml: `npx @bufbuild/buf generate` in this folder with
// @bufbuild/protoc-gen-es on PATH). connect-web cannot client-stream from a browser either,
// so it uses the unary Upload (one message, at most 128 MB).
import { createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { create } from "@bufbuild/protobuf";
import { TalkService, UploadTalkRequestSchema } from "./gen-es/yandex/cloud/speechsense/v1/talk_service_pb.js";

export async function uploadTalk(endpoint, apiKey, connectionId, fields, file) {
  const transport = createGrpcWebTransport({ baseUrl: endpoint, useBinaryFormat: true });
  const client = createClient(TalkService, transport);
  const req = create(UploadTalkRequestSchema, {
    metadata: { connectionId, fields },
    audio: {
      audioMetadata: { AudioFormat: { case: "containerAudio", value: { containerAudioType: 1 } } },
      audioData: { data: new Uint8Array(await file.arrayBuffer()) },
    },
  });
  const res = await client.upload(req, { headers: { authorization: `Api-Key ${apiKey}` } });
  return res.talkId;
}
