// Agent sessions: a random token in an HttpOnly cookie, stored only as its SHA-256.
import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { sessions } from "../db/schema";
import { randomHex, sha256Hex } from "./crypto";
import { nowIso } from "./ids";

export const SESSION_TTL_SECONDS = 7 * 24 * 60 * 60;

export async function startSession(database: Db, agentId: string): Promise<string> {
  const token = randomHex(32);
  const expiresAt = new Date(Date.now() + SESSION_TTL_SECONDS * 1000).toISOString();
  await database.insert(sessions).values({ tokenHash: await sha256Hex(token), agentId, createdAt: nowIso(), expiresAt });
  return token;
}

export async function deleteSession(database: Db, tokenHash: string): Promise<void> {
  await database.delete(sessions).where(eq(sessions.tokenHash, tokenHash));
}
