// Images kept in R2 for messages: what the upload route and inbound MMS share.
import { randomHex } from "./crypto";
import { sniffImageType, type ImageType } from "./image-type";

/**
 * Stores an image under a fresh key of 128 random bits (the key is the secret of its URL), typed
 * by its own bytes and marked with the participant who may attach it. Null if it is no image.
 */
export async function storeImage(bucket: R2Bucket, bytes: Uint8Array, owner: string): Promise<{ key: string; contentType: ImageType } | null> {
  const contentType = sniffImageType(bytes);
  if (!contentType) return null;
  const key = randomHex(16);
  await bucket.put(key, bytes, { httpMetadata: { contentType }, customMetadata: { owner } });
  return { key, contentType };
}
