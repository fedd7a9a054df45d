// What `wrangler deploy` would upload, from its dry run (no account, no network): the bindings a
// deployed Worker gets. The local-development switch lives only in .dev.vars, never here.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let output = "";
const outdir = mkdtempSync(join(tmpdir(), "parley-dry-run-"));

beforeAll(() => {
  output = execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", outdir], {
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_HIDE_BANNER: "true", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
  });
});

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe("wrangler deploy", () => {
  it("lists the Worker's bindings, the demo off among them", () => {
    expect(output).toContain("Your Worker has access to the following bindings");
    expect(output).toMatch(/env\.DEMO \("off"\)/);
    expect(output).toMatch(/env\.DNS_RESOLVER_URL \("https:\/\/cloudflare-dns\.com\/dns-query"\)/);
  });

  it("never carries the local-development switch that lets Parley call this machine's services", () => {
    expect(output).not.toContain("DEV_LOOPBACK_SERVICES");
  });
});
