// Size anchor: what a site ships to send a file to S3 with a presigned POST through Uppy
// (@uppy/core + @uppy/aws-s3, no UI plugins): the equivalent of presignedUpload.
import Uppy from "@uppy/core";
import AwsS3 from "@uppy/aws-s3";

export function presignedUpload(file, presign, onProgress) {
  const uppy = new Uppy({ autoProceed: false })
    .use(AwsS3, {
      shouldUseMultipart: false,
      signRequest: () => ({ url: presign.url, fields: presign.fields }),
    });
  uppy.on("upload-progress", (_f, p) => onProgress?.(p.bytesUploaded, p.bytesTotal));
  uppy.addFile({ name: file.name, type: file.type, data: file });
  return uppy.upload();
}
