// Password hashing, identity HMACs and tokens, all on WebCrypto.
const encoder = new TextEncoder();

/** The Workers runtime refuses more than 100,000 PBKDF2 iterations (local workerd does not). */
export const PBKDF2_ITERATIONS = 100_000;

export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function fromHex(hex: string): Uint8Array | null {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** The bytes of base64 text, or null when it is not base64. */
export function fromBase64(text: string): Uint8Array | null {
  try {
    return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
  } catch {
    return null;
  }
}

/**
 * Whether `signature` (base64) is the HMAC of `data` with `secret`; WebCrypto's verify compares
 * in constant time. Twilio signs with SHA-1, Shopify with SHA-256.
 */
export async function verifyHmacBase64(hash: "SHA-1" | "SHA-256", secret: string, data: BufferSource, signature: string | null): Promise<boolean> {
  const bytes = signature === null ? null : fromBase64(signature);
  if (!bytes) return false;
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash }, false, ["verify"]);
  return crypto.subtle.verify("HMAC", key, bytes, data);
}

export function randomHex(bytes: number): string {
  return toHex(crypto.getRandomValues(new Uint8Array(bytes)));
}

export async function sha256Hex(text: string): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

export async function hashPassword(password: string, saltHex = randomHex(16), iterations = PBKDF2_ITERATIONS) {
  const salt = fromHex(saltHex);
  if (!salt) throw new Error("invalid salt");
  const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256);
  return { hash: toHex(bits), salt: saltHex, iterations };
}

export async function verifyPassword(password: string, stored: { hash: string; salt: string; iterations: number }) {
  const { hash } = await hashPassword(password, stored.salt, stored.iterations);
  return constantTimeEqual(hash, stored.hash);
}

/** Compares two strings without leaking where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  if (left.byteLength !== right.byteLength) {
    // Still spend the comparison so the length check is the only thing timing can tell.
    crypto.subtle.timingSafeEqual(left, left);
    return false;
  }
  return crypto.subtle.timingSafeEqual(left, right);
}

async function hmacKey(secret: string) {
  return crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

export async function hmacHex(secret: string, message: string): Promise<string> {
  return toHex(await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(message)));
}

/** Checks `userHash = hex(HMAC-SHA256(secret, externalId))`; `subtle.verify` compares in constant time. */
export async function verifyHmacHex(secret: string, message: string, hex: string): Promise<boolean> {
  const signature = fromHex(hex);
  if (!signature || signature.byteLength !== 32) return false;
  return crypto.subtle.verify("HMAC", await hmacKey(secret), signature, encoder.encode(message));
}
