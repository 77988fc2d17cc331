// Size anchor: what a site ships to upload a talk with grpc-web + google-protobuf.
//
// grpc-web has no client streaming (unary and server streaming only), so the Upload method is
// the only way it can send audio: one message, at most 128 MB. The message classes are written
// here in the shape protoc-gen-js (import_style=commonjs) emits for talk_service.proto, with
// only the fields an upload sets: that generator and protoc-gen-grpc-web download their
// binaries at install, which this machine cannot. Real generated code for the whole proto
// (toObject, every getter, every message) is larger, so this anchor is a lower bound.
import * as grpcWeb from "grpc-web";
import * as jspb from "google-protobuf";

class TalkMetadata extends jspb.Message {
  constructor(opt) { super(); jspb.Message.initialize(this, opt, 0, -1, null, null); }
  getConnectionId() { return jspb.Message.getFieldWithDefault(this, 1, ""); }
  setConnectionId(v) { return jspb.Message.setProto3StringField(this, 1, v); }
  getFieldsMap(noLazyCreate) { return jspb.Message.getMapField(this, 2, noLazyCreate, null); }
  static serializeBinaryToWriter(message, writer) {
    const f = message.getConnectionId();
    if (f.length > 0) writer.writeString(1, f);
    const m = message.getFieldsMap(true);
    // google-protobuf 4's generated code serializes a map through this gencode helper.
    if (m && m.getLength() > 0) jspb.internal.public_for_gencode.serializeMapToBinary(m, 2, writer, jspb.BinaryWriter.prototype.writeString, jspb.BinaryWriter.prototype.writeString);
  }
}

class ContainerAudio extends jspb.Message {
  constructor(opt) { super(); jspb.Message.initialize(this, opt, 0, -1, null, null); }
  getContainerAudioType() { return jspb.Message.getFieldWithDefault(this, 1, 0); }
  setContainerAudioType(v) { return jspb.Message.setProto3EnumField(this, 1, v); }
  static serializeBinaryToWriter(message, writer) {
    const f = message.getContainerAudioType();
    if (f !== 0) writer.writeEnum(1, f);
  }
}

class AudioMetadata extends jspb.Message {
  constructor(opt) { super(); jspb.Message.initialize(this, opt, 0, -1, null, null); }
  getContainerAudio() { return jspb.Message.getWrapperField(this, ContainerAudio, 2); }
  setContainerAudio(v) { return jspb.Message.setWrapperField(this, 2, v); }
  static serializeBinaryToWriter(message, writer) {
    const f = message.getContainerAudio();
    if (f != null) writer.writeMessage(2, f, ContainerAudio.serializeBinaryToWriter);
  }
}

class AudioChunk extends jspb.Message {
  constructor(opt) { super(); jspb.Message.initialize(this, opt, 0, -1, null, null); }
  getData_asU8() { return jspb.Message.bytesAsU8(jspb.Message.getFieldWithDefault(this, 1, "")); }
  setData(v) { return jspb.Message.setProto3BytesField(this, 1, v); }
  static serializeBinaryToWriter(message, writer) {
    const f = message.getData_asU8();
    if (f.length > 0) writer.writeBytes(1, f);
  }
}

class AudioRequest extends jspb.Message {
  constructor(opt) { super(); jspb.Message.initialize(this, opt, 0, -1, null, null); }
  getAudioMetadata() { return jspb.Message.getWrapperField(this, AudioMetadata, 1); }
  setAudioMetadata(v) { return jspb.Message.setWrapperField(this, 1, v); }
  getAudioData() { return jspb.Message.getWrapperField(this, AudioChunk, 2); }
  setAudioData(v) { return jspb.Message.setWrapperField(this, 2, v); }
  static serializeBinaryToWriter(message, writer) {
    let f = message.getAudioMetadata();
    if (f != null) writer.writeMessage(1, f, AudioMetadata.serializeBinaryToWriter);
    f = message.getAudioData();
    if (f != null) writer.writeMessage(2, f, AudioChunk.serializeBinaryToWriter);
  }
}

class UploadTalkRequest extends jspb.Message {
  constructor(opt) { super(); jspb.Message.initialize(this, opt, 0, -1, null, null); }
  getMetadata() { return jspb.Message.getWrapperField(this, TalkMetadata, 1); }
  setMetadata(v) { return jspb.Message.setWrapperField(this, 1, v); }
  getAudio() { return jspb.Message.getWrapperField(this, AudioRequest, 2); }
  setAudio(v) { return jspb.Message.setWrapperField(this, 2, v); }
  serializeBinary() {
    const writer = new jspb.BinaryWriter();
    UploadTalkRequest.serializeBinaryToWriter(this, writer);
    return writer.getResultBuffer();
  }
  static serializeBinaryToWriter(message, writer) {
    let f = message.getMetadata();
    if (f != null) writer.writeMessage(1, f, TalkMetadata.serializeBinaryToWriter);
    f = message.getAudio();
    if (f != null) writer.writeMessage(2, f, AudioRequest.serializeBinaryToWriter);
  }
}

class UploadTalkResponse extends jspb.Message {
  constructor(opt) { super(); jspb.Message.initialize(this, opt, 0, -1, null, null); }
  getTalkId() { return jspb.Message.getFieldWithDefault(this, 1, ""); }
  static deserializeBinary(bytes) {
    const reader = new jspb.BinaryReader(bytes);
    const msg = new UploadTalkResponse();
    while (reader.nextField()) {
      if (reader.isEndGroup()) break;
      if (reader.getFieldNumber() === 1) jspb.Message.setProto3StringField(msg, 1, reader.readString());
      else reader.skipField();
    }
    return msg;
  }
}

// What protoc-gen-grpc-web emits for a unary method.
const methodDescriptor_Upload = new grpcWeb.MethodDescriptor(
  "/yandex.cloud.speechsense.v1.TalkService/Upload", grpcWeb.MethodType.UNARY,
  UploadTalkRequest, UploadTalkResponse,
  (request) => request.serializeBinary(), UploadTalkResponse.deserializeBinary);

export class TalkServicePromiseClient {
  constructor(hostname, credentials, options) {
    this.client_ = new grpcWeb.GrpcWebClientBase(options);
    this.hostname_ = hostname.replace(/\/+$/, "");
  }
  upload(request, metadata) {
    return this.client_.unaryCall(this.hostname_ + "/yandex.cloud.speechsense.v1.TalkService/Upload", request, metadata || {}, methodDescriptor_Upload);
  }
}

/** The site's code: read the file, build the request, call Upload with the API key. */
export async function uploadTalk(endpoint, apiKey, connectionId, fields, file) {
  const md = new TalkMetadata();
  md.setConnectionId(connectionId);
  for (const [k, v] of Object.entries(fields)) md.getFieldsMap().set(k, v);
  const container = new ContainerAudio();
  container.setContainerAudioType(1); // CONTAINER_AUDIO_TYPE_WAV
  const am = new AudioMetadata();
  am.setContainerAudio(container);
  const chunk = new AudioChunk();
  chunk.setData(new Uint8Array(await file.arrayBuffer()));
  const audio = new AudioRequest();
  audio.setAudioMetadata(am);
  audio.setAudioData(chunk);
  const req = new UploadTalkRequest();
  req.setMetadata(md);
  req.setAudio(audio);
  const client = new TalkServicePromiseClient(endpoint, null, { format: "binary" });
  const res = await client.upload(req, { authorization: `Api-Key ${apiKey}` });
  return res.getTalkId();
}
