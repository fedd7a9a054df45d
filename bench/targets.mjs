// The two servers the benchmark compares, behind one interface: how to open a conversation
// (a customer socket and an agent socket), which inbox list pages to GET, and the CPU time their
// workerd processes have used so far.
import { createHmac } from "node:crypto";
import { treeCpuMs } from "../scripts/process-group.mjs";
import { expectStatus, http } from "./peer.mjs";

/** A CF-Connecting-IP per simulated shopper (a header only: all traffic goes to 127.0.0.1). */
const shopperIp = (n) => `127.31.${(n >> 8) & 255}.${n & 255}`;
const AGENT_IP = "127.30.0.1";

export async function parleyTarget(server, vars, runId) {
  const { base } = server;
  const ws = base.replace(/^http/, "ws");
  const login = await http(base, "/api/auth/login", {
    method: "POST",
    headers: { "CF-Connecting-IP": AGENT_IP },
    json: { email: vars.ADMIN_EMAIL, password: vars.ADMIN_PASSWORD },
  });
  expectStatus(login, 200, "agent login");
  const cookie = login.headers.get("set-cookie")?.split(";")[0];
  if (!cookie?.startsWith("parley_session=")) throw new Error(`login set no parley_session cookie: ${login.headers.get("set-cookie")}`);
  const agentHeaders = { Cookie: cookie, "CF-Connecting-IP": AGENT_IP };
  let shoppers = 0;
  return {
    name: "Parley",
    base,
    cpuMs: () => treeCpuMs(server.pid, "workerd"),
    listHeaders: agentHeaders,
    async conversation(_index, tag) {
      const n = ++shoppers;
      const ip = shopperIp(n);
      const externalId = `bench-${runId}-${tag}-${n}`;
      const userHash = createHmac("sha256", vars.IDENTITY_SECRET).update(externalId).digest("hex");
      const session = expectStatus(
        await http(base, "/api/widget/session", {
          method: "POST",
          headers: { "CF-Connecting-IP": ip },
          json: { customer: { id: externalId, name: `Bench Shopper ${n}`, email: `bench${n}@example.com` }, userHash },
        }),
        200,
        "widget session",
      );
      const { ticket } = expectStatus(
        await http(base, "/api/widget/conversations", { method: "POST", headers: { "CF-Connecting-IP": ip, Authorization: `Bearer ${session.token}` } }),
        201,
        "start chat",
      );
      return {
        id: ticket.id,
        customerUrl: `${ws}/api/widget/conversations/${ticket.id}/ws?token=${encodeURIComponent(session.token)}`,
        customerHeaders: { "CF-Connecting-IP": ip },
        agentUrl: `${ws}/api/tickets/${ticket.id}/ws`,
        agentHeaders,
      };
    },
    async listVariants() {
      const first = expectStatus(await http(base, "/api/tickets?status=open&limit=25", { headers: agentHeaders }), 200, "list");
      if (!first.nextCursor) throw new Error("Parley list: no nextCursor on the first page of 100k tickets");
      return {
        "status=open": "/api/tickets?status=open&limit=25",
        "status=open + cursor (page 2)": `/api/tickets?status=open&limit=25&cursor=${encodeURIComponent(first.nextCursor)}`,
        "status=open&assignee=unassigned": "/api/tickets?status=open&assignee=unassigned&limit=25",
      };
    },
    async counts() {
      return expectStatus(await http(base, "/api/inbox/counts", { headers: agentHeaders }), 200, "counts");
    },
  };
}

export function floorTarget(server, runId) {
  const { base } = server;
  const ws = base.replace(/^http/, "ws");
  return {
    name: "floor",
    base,
    cpuMs: () => treeCpuMs(server.pid, "workerd"),
    listHeaders: {},
    async conversation(index, tag) {
      const room = `${tag}-${runId}-${index}`;
      return {
        id: room,
        customerUrl: `${ws}/ws/${room}`,
        customerHeaders: { "CF-Connecting-IP": shopperIp(index + 1) },
        agentUrl: `${ws}/ws/${room}`,
        agentHeaders: { "CF-Connecting-IP": AGENT_IP },
      };
    },
    async listVariants() {
      const first = expectStatus(await http(base, "/list?status=open&limit=25"), 200, "floor list");
      return {
        "status=open": "/list?status=open&limit=25",
        "status=open + cursor (page 2)": `/list?status=open&limit=25&cursor=${encodeURIComponent(first.nextCursor)}`,
        "status=open&assignee=unassigned": "/list?status=open&assignee=unassigned&limit=25",
      };
    },
  };
}
