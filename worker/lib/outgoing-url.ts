// The addresses admins enter for outside services (webhook endpoints, the AI endpoint, Zendesk,
// Gorgias, Twilio) must be https to a public host: checked when they are saved, and again before
// every request, with the host's name resolved then (a name may point inside by now). The
// local-development switch DEV_LOOPBACK_SERVICES=on (.dev.vars only; never in wrangler.toml)
// admits services on this machine, such as `npm run phone`'s Twilio.
import { env } from "cloudflare:workers";
import { resolveAddresses } from "./dns";
import { ApiError } from "./errors";
import { addressProblem, isIpv4 } from "./ip-address";

export type OutgoingPolicy = { loopbackAllowed: boolean };

/** Names that only mean something inside a network (RFC 6761, RFC 8375, cloud metadata hosts). */
const LOCAL_NAME = /(^|\.)(localhost|local|localdomain|internal|intranet|lan|home\.arpa)$/;
const LOOPBACK = "a loopback address";
const isLoopbackName = (host: string) => host === "localhost" || host.endsWith(".localhost");

export const outgoingPolicy = (): OutgoingPolicy => ({ loopbackAllowed: env.DEV_LOOPBACK_SERVICES === "on" });

/** The URL's host, lowercased, without brackets or a trailing dot, and whether it is an IP address. */
function hostOf(url: URL): { host: string; address: boolean } {
  const host = url.hostname.toLowerCase().replace(/\.$/, "");
  if (host.startsWith("[")) return { host: host.slice(1, -1), address: true };
  return { host, address: isIpv4(host) };
}

/**
 * Why `value` is not an address Parley may call, or null. The URL parser has already turned the
 * other spellings of an IPv4 address (2130706433, 127.1, 0x7f.0.0.1, 0177.0.0.1) into dotted form.
 */
export function outgoingUrlProblem(value: string, { loopbackAllowed }: OutgoingPolicy): string | null {
  if (!URL.canParse(value)) return "is not a URL";
  const url = new URL(value);
  if (url.protocol !== "https:" && url.protocol !== "http:") return "must be an https URL";
  const { host, address } = hostOf(url);
  const problem = address ? addressProblem(host) : isLoopbackName(host) ? LOOPBACK : null;
  if (problem === LOOPBACK && loopbackAllowed) return null;
  if (problem) return `must be a public host, not ${problem}`;
  if (url.protocol !== "https:") return "must be an https URL";
  if (!address && !host.includes(".")) return `must be a public host name, not "${host}"`;
  if (!address && LOCAL_NAME.test(host)) return `must be a public host, not a local network name`;
  return null;
}

/** Refuses (400 invalid_request naming the field) an outgoing address that is not allowed. */
export function assertOutgoingUrls(fields: Record<string, string | null | undefined>): void {
  const policy = outgoingPolicy();
  for (const [field, value] of Object.entries(fields)) {
    const problem = value ? outgoingUrlProblem(value, policy) : null;
    if (problem) throw new ApiError(400, "invalid_request", `${field}: ${problem}`);
  }
}

/**
 * Why a request to `url` must not be made now, or null: the rules above, then every address its
 * host resolves to. A refusal is final (an admin must change the address); a resolver that can't
 * answer is worth another try.
 */
export async function outgoingRequestProblem(url: string): Promise<{ problem: string; retryable: boolean } | null> {
  const policy = outgoingPolicy();
  const problem = outgoingUrlProblem(url, policy);
  if (problem) return { problem: `its address ${problem}`, retryable: false };
  const { host, address } = hostOf(new URL(url));
  if (address || isLoopbackName(host)) return null;
  let addresses: string[];
  try {
    addresses = await resolveAddresses(host, env.DNS_RESOLVER_URL || undefined);
  } catch (error) {
    return { problem: `its host ${host} could not be resolved (${error instanceof Error ? error.message : String(error)})`, retryable: true };
  }
  if (addresses.length === 0) return { problem: `its host ${host} does not resolve to any address`, retryable: true };
  for (const resolved of addresses) {
    const inside = addressProblem(resolved);
    if (inside && !(inside === LOOPBACK && policy.loopbackAllowed))
      return { problem: `its host ${host} resolves to ${resolved}, ${inside}: refused`, retryable: false };
  }
  return null;
}
