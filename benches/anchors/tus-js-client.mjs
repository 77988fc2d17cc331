// Size anchor: a resumable upload with tus-js-client (for scale: a popular single-purpose
// upload library; SpeechSense and Vela do not speak tus).
import * as tus from "tus-js-client";

export function resumableUpload(file, endpoint, onProgress) {
  return new Promise((resolve, reject) => {
    const upload = new tus.Upload(file, {
      endpoint,
      retryDelays: [0, 1000, 3000],
      metadata: { filename: file.name, filetype: file.type },
      onProgress: (sent, total) => onProgress?.(sent, total),
      onError: reject,
      onSuccess: () => resolve(upload.url),
    });
    upload.start();
  });
}
