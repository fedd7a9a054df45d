// Names to addresses through DNS over HTTPS (the JSON format of Cloudflare's and Google's
// resolvers: GET ?name=&type=A|AAAA, Accept: application/dns-json), so that an outgoing request
// can be refused when its host points inside, even when the name changed since it was saved.
import { ExpiringMap } from "./cache";

const DEFAULT_RESOLVER = "https://cloudflare-dns.com/dns-query";
const TIMEOUT_MS = 3_000;
/** Answers are kept as long as their TTL says, within these bounds (and for at most 500 names). */
const MIN_TTL_S = 5;
const MAX_TTL_S = 300;

const TYPES = { A: 1, AAAA: 28 } as const;

type DohAnswer = { Status?: number; Answer?: Array<{ type?: number; data?: string; TTL?: number }> };

const cache = new ExpiringMap<string, string[]>(500);

/** The A or AAAA records of `name` (CNAMEs already followed by the resolver); [] when it has none. */
async function lookup(resolver: string, name: string, type: keyof typeof TYPES): Promise<{ addresses: string[]; ttl: number }> {
  const url = `${resolver}?name=${encodeURIComponent(name)}&type=${type}`;
  const response = await fetch(url, { headers: { Accept: "application/dns-json" }, signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!response.ok) throw new Error(`the resolver answered ${response.status}`);
  const answer = (await response.json()) as DohAnswer;
  // NXDOMAIN is an answer (no addresses); SERVFAIL and the rest are the resolver failing.
  if (answer.Status !== 0 && answer.Status !== 3) throw new Error(`the resolver answered DNS status ${answer.Status}`);
  const records = (answer.Answer ?? []).filter((record) => record.type === TYPES[type] && typeof record.data === "string");
  return { addresses: records.map((record) => record.data!), ttl: Math.min(...records.map((record) => record.TTL ?? MIN_TTL_S), MAX_TTL_S) };
}

/** Every IPv4 and IPv6 address `name` resolves to now. Throws when the resolver can't be asked. */
export async function resolveAddresses(name: string, resolver = DEFAULT_RESOLVER): Promise<string[]> {
  const key = `${resolver} ${name}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const [v4, v6] = await Promise.all([lookup(resolver, name, "A"), lookup(resolver, name, "AAAA")]);
  const addresses = [...v4.addresses, ...v6.addresses];
  cache.set(key, addresses, Date.now() + Math.max(MIN_TTL_S, Math.min(v4.ttl, v6.ttl)) * 1000);
  return addresses;
}
