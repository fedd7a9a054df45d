// Images kept in R2 for messages: what the upload route and inbound MMS share.
import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { customerUploads } from "../db/schema";
import { randomHex } from "./crypto";
import { nowIso } from "./ids";
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

/** A shopper's upload, which no message may ever carry: known by its profile, so that erasing them reaches it. */
export async function recordCustomerUpload(database: Db, key: string, profileId: string): Promise<void> {
  await database.insert(customerUploads).values({ key, profileId, createdAt: nowIso() });
}

/** R2 deletes at most this many keys per call. */
const R2_DELETE_BATCH = 1000;

/** Deletes the images from R2, as many calls as it takes; keys already gone are no error, so a retry may repeat some. */
export async function deleteImages(bucket: R2Bucket, keys: string[]): Promise<void> {
  for (let start = 0; start < keys.length; start += R2_DELETE_BATCH) await bucket.delete(keys.slice(start, start + R2_DELETE_BATCH));
}

/** Deletes every image the shopper uploaded, sent or not, and the record of them. */
export async function deleteCustomerUploads(bucket: R2Bucket, database: Db, profileId: string): Promise<void> {
  const keys = (await database.select({ key: customerUploads.key }).from(customerUploads).where(eq(customerUploads.profileId, profileId))).map(
    (row) => row.key,
  );
  await deleteImages(bucket, keys);
  await database.delete(customerUploads).where(eq(customerUploads.profileId, profileId));
}
