// The names the local DNS-over-HTTPS stand-in (dns-resolver.ts) answers, shared by the server
// and the tests that look them up through Parley. `.test` names never resolve on the internet.
export type ZoneEntry = { A?: string[]; AAAA?: string[]; CNAME?: string };

export const ZONE: Record<string, ZoneEntry> = {
  "hooks.public.test": { A: ["93.184.216.34"], AAAA: ["2606:2800:220:1:248:1893:25c8:1946"] },
  "rebind.evil.test": { A: ["127.0.0.1"] },
  "intranet.evil.test": { A: ["10.1.2.3"] },
  "metadata.evil.test": { A: ["169.254.169.254"] },
  "mixed.evil.test": { A: ["93.184.216.34", "192.168.1.1"] },
  "v6.evil.test": { AAAA: ["::1"] },
  "mapped.evil.test": { AAAA: ["::ffff:a9fe:a9fe"] },
  "alias.evil.test": { CNAME: "rebind.evil.test" },
};

/** A name the stand-in says does not exist (NXDOMAIN). */
export const MISSING_NAME = "nowhere.public.test";
