// A local DNS-over-HTTPS resolver speaking the JSON format of Cloudflare's and Google's resolvers
// (GET ?name=&type=, Accept: application/dns-json), for the Workers tests. vitest.config.ts starts
// it before the pool, since its address is a binding (DNS_RESOLVER_URL) of the Worker under test.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ZONE } from "./dns-zone.ts";

const TYPES = { A: 1, AAAA: 28, CNAME: 5 } as const;

/** The answer section for `name` and `type`, CNAMEs followed as a recursive resolver does. */
function answer(name: string, type: "A" | "AAAA") {
  const records: Array<{ name: string; type: number; TTL: number; data: string }> = [];
  for (let current = name, hops = 0; hops < 8; hops++) {
    const entry = ZONE[current];
    if (!entry) return records.length ? records : null;
    if (entry.CNAME) {
      records.push({ name: `${current}.`, type: TYPES.CNAME, TTL: 60, data: `${entry.CNAME}.` });
      current = entry.CNAME;
      continue;
    }
    for (const data of entry[type] ?? []) records.push({ name: `${current}.`, type: TYPES[type], TTL: 60, data });
    return records;
  }
  return records;
}

export async function startDnsResolver(): Promise<{ url: string; close: () => void }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://resolver");
    const name = (url.searchParams.get("name") ?? "").toLowerCase().replace(/\.$/, "");
    const type = url.searchParams.get("type")?.toUpperCase();
    if (url.pathname !== "/dns-query" || req.headers.accept !== "application/dns-json" || !name || (type !== "A" && type !== "AAAA")) {
      res.writeHead(400, { "Content-Type": "application/dns-json" }).end(JSON.stringify({ error: "Invalid query" }));
      return;
    }
    const records = answer(name, type);
    const body = {
      Status: records === null ? 3 : 0,
      TC: false,
      RD: true,
      RA: true,
      AD: false,
      CD: false,
      Question: [{ name: `${name}.`, type: TYPES[type] }],
      ...(records?.length ? { Answer: records } : {}),
    };
    res.writeHead(200, { "Content-Type": "application/dns-json" }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  // It lives as long as the test run, and never keeps the process alive on its own.
  server.unref();
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/dns-query`, close: () => server.close() };
}
