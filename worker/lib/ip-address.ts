// Which IP addresses are the public internet. Outgoing requests to the addresses an admin enters
// (webhooks, help desks, the AI endpoint, Twilio) may reach only those: never this machine, a
// private network, link-local metadata services or the carrier's NAT.

/** An IPv4 network (as a 32-bit number) and its prefix length, with what it is. */
type Range4 = { net: number; bits: number; what: string };

const v4 = (dotted: string) => dotted.split(".").reduce((value, octet) => value * 256 + Number(octet), 0);
const range4 = (cidr: string, what: string): Range4 => {
  const [net, bits] = cidr.split("/") as [string, string];
  return { net: v4(net), bits: Number(bits), what };
};

/** IANA's special-purpose IPv4 registry, less the ranges that are globally reachable. */
const SPECIAL_V4: Range4[] = [
  range4("0.0.0.0/8", "a reserved address"),
  range4("10.0.0.0/8", "a private address"),
  range4("100.64.0.0/10", "a carrier-grade NAT address"),
  range4("127.0.0.0/8", "a loopback address"),
  range4("169.254.0.0/16", "a link-local address"),
  range4("172.16.0.0/12", "a private address"),
  range4("192.0.0.0/24", "a reserved address"),
  range4("192.0.2.0/24", "a documentation address"),
  range4("192.88.99.0/24", "a reserved address"),
  range4("192.168.0.0/16", "a private address"),
  range4("198.18.0.0/15", "a benchmarking address"),
  range4("198.51.100.0/24", "a documentation address"),
  range4("203.0.113.0/24", "a documentation address"),
  range4("224.0.0.0/4", "a multicast address"),
  range4("240.0.0.0/4", "a reserved address"),
];

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function ipv4Problem(address: string): string | null {
  const value = v4(address);
  // The first `bits` bits of the address equal the network's (by division: JavaScript's << is 32-bit signed).
  const hit = SPECIAL_V4.find(({ net, bits }) => Math.floor(value / 2 ** (32 - bits)) === Math.floor(net / 2 ** (32 - bits)));
  return hit?.what ?? null;
}

/** The eight 16-bit groups of an IPv6 address (compressed, or with a dotted IPv4 tail), or null. */
function ipv6Groups(address: string): number[] | null {
  let text = address.toLowerCase();
  const tail = text.match(/:(\d{1,3}(?:\.\d{1,3}){3})$/);
  if (tail) {
    if (!IPV4.test(tail[1]!)) return null;
    const value = v4(tail[1]!);
    text = `${text.slice(0, -tail[1]!.length)}${Math.floor(value / 65536).toString(16)}:${(value % 65536).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === "" ? [] : part.split(":").map((group) => (/^[0-9a-f]{1,4}$/.test(group) ? parseInt(group, 16) : NaN)));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...rest];
  return groups.some(Number.isNaN) ? null : groups;
}

const embeddedV4 = (high: number, low: number) => `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;

function ipv6Problem(address: string): string | null {
  const g = ipv6Groups(address);
  if (!g) return "not an IP address";
  const zeros = (from: number, to: number) => g.slice(from, to).every((group) => group === 0);
  if (zeros(0, 7) && g[7] === 1) return "a loopback address";
  if (zeros(0, 8)) return "a reserved address";
  // IPv4 written in IPv6: mapped (::ffff:a.b.c.d), compatible (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d) and 6to4 (2002:a.b.c.d::).
  if (zeros(0, 5) && (g[5] === 0xffff || g[5] === 0)) return ipv4Problem(embeddedV4(g[6]!, g[7]!));
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return ipv4Problem(embeddedV4(g[6]!, g[7]!));
  if (g[0] === 0x2002) return ipv4Problem(embeddedV4(g[1]!, g[2]!));
  if ((g[0]! & 0xfe00) === 0xfc00) return "a unique-local (private) address";
  if ((g[0]! & 0xffc0) === 0xfe80 || (g[0]! & 0xffc0) === 0xfec0) return "a link-local address";
  if ((g[0]! & 0xff00) === 0xff00) return "a multicast address";
  if (g[0] === 0x2001 && g[1] === 0x0db8) return "a documentation address";
  // Teredo hides its IPv4 address; discard-only and ORCHID are never a service.
  if (g[0] === 0x2001 && (g[1] === 0 || (g[1]! & 0xfff0) === 0x10 || (g[1]! & 0xfff0) === 0x20)) return "a reserved address";
  if (g[0] === 0x0100 && zeros(1, 4)) return "a reserved address";
  return null;
}

/** Why `address` (IPv4 dotted, or IPv6 without brackets) is not a public internet address, or null. */
export function addressProblem(address: string): string | null {
  const match = address.match(IPV4);
  if (match) return match.slice(1).every((octet) => Number(octet) <= 255) ? ipv4Problem(address) : "not an IP address";
  return ipv6Problem(address);
}

export const isIpv4 = (host: string) => IPV4.test(host);
