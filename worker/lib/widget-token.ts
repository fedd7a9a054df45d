// Widget tokens: short-lived HS256 JWTs (Hono's WebCrypto implementation), keyed by a secret
// derived from IDENTITY_SECRET so the store's identity key never signs anything itself.
import { sign, verify } from "hono/jwt";
import type { WidgetIdentity } from "../env";
import { hmacHex } from "./crypto";

export const WIDGET_TOKEN_TTL_SECONDS = 60 * 60;
const ISSUER = "parley-widget";

const signingKey = (identitySecret: string) => hmacHex(identitySecret, "parley widget token key v1");

type Claims = { sub?: string; ext?: string; name?: string | null; kind: "customer" | "anonymous"; iss: string; exp: number; iat: number };

export async function issueWidgetToken(identitySecret: string, identity: { profileId: string; externalId: string; name: string | null } | null) {
  const iat = Math.floor(Date.now() / 1000);
  const exp = iat + WIDGET_TOKEN_TTL_SECONDS;
  const claims: Claims = identity
    ? { kind: "customer", sub: identity.profileId, ext: identity.externalId, name: identity.name, iss: ISSUER, iat, exp }
    : { kind: "anonymous", iss: ISSUER, iat, exp };
  return { token: await sign(claims, await signingKey(identitySecret), "HS256"), expiresAt: new Date(exp * 1000).toISOString() };
}

/** Returns the identity, or null for a token that is malformed, forged or expired. */
export async function readWidgetToken(identitySecret: string, token: string): Promise<WidgetIdentity | null> {
  try {
    const claims = (await verify(token, await signingKey(identitySecret), { alg: "HS256", iss: ISSUER })) as unknown as Claims;
    const expiresAt = claims.exp * 1000;
    if (claims.kind === "anonymous") return { kind: "anonymous", expiresAt };
    if (claims.kind === "customer" && claims.sub && claims.ext) {
      return { kind: "customer", profileId: claims.sub, externalId: claims.ext, name: claims.name ?? null, expiresAt };
    }
    return null;
  } catch {
    return null;
  }
}
