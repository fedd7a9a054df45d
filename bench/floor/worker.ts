// The platform floor: the least a Worker + Durable Object + D1 can do for the same jobs as Parley.
// - /ws/:room  a relay Durable Object (Hibernation API): one SQLite row per message, the message
//              broadcast to the other sockets, an ack to the sender. Nothing else.
// - /list      the inbox list's SELECT, exactly as Parley's drizzle query emits it, on the same
//              schema and index (migrations/0000_init.sql), with Parley's cursor format.
import { DurableObject } from "cloudflare:workers";

interface Env {
  DB: D1Database;
  ROOMS: DurableObjectNamespace<Room>;
}

type SendFrame = { type: "send"; clientId: string; body: string };

export class Room extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private lastSeq: number;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(
      "CREATE TABLE IF NOT EXISTS messages (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, client_id TEXT, body TEXT NOT NULL, created_at TEXT NOT NULL)",
    );
    this.lastSeq = this.sql.exec<{ s: number | null }>("SELECT max(seq) AS s FROM messages").one().s ?? 0;
  }

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") return new Response("Expected a WebSocket upgrade.", { status: 426 });
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    if (typeof raw !== "string") return;
    const frame = JSON.parse(raw) as SendFrame;
    if (frame.type !== "send") return;
    const seq = ++this.lastSeq;
    const id = crypto.randomUUID();
    const createdAt = new Date().toISOString();
    this.sql.exec("INSERT INTO messages (seq, id, client_id, body, created_at) VALUES (?, ?, ?, ?, ?)", seq, id, frame.clientId, frame.body, createdAt);
    const text = JSON.stringify({ type: "message", seq, id, clientId: frame.clientId, body: frame.body, createdAt });
    for (const other of this.ctx.getWebSockets()) {
      if (other !== ws) other.send(text);
    }
    ws.send(JSON.stringify({ type: "ack", clientId: frame.clientId, seq }));
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code === 1005 ? 1000 : code, reason);
    } catch {
      // already closed
    }
  }
}

// Parley's listTickets() query as drizzle emits it (worker/lib/tickets.ts), select list and all.
const COLUMNS =
  '"id", "channel", "status", "snooze_until", "assignee_id", "profile_id", "customer_name", "preview", "unread", "visible", "last_message_at", "created_at", "closed_at", "version"';

type Row = { id: string; last_message_at: string | null } & Record<string, unknown>;

async function list(env: Env, params: URLSearchParams): Promise<Response> {
  const limit = Number(params.get("limit") ?? 25);
  const where = ['"tickets"."visible" = ?'];
  const binds: unknown[] = [1];
  const status = params.get("status");
  if (status) {
    where.push('"tickets"."status" = ?');
    binds.push(status);
  }
  if (params.get("assignee") === "unassigned") where.push('"tickets"."assignee_id" IS NULL');
  const cursor = params.get("cursor");
  if (cursor) {
    const [lastMessageAt, id] = JSON.parse(atob(cursor)) as [string, string];
    where.push('("tickets"."last_message_at", "tickets"."id") < (?, ?)');
    binds.push(lastMessageAt, id);
  }
  binds.push(limit + 1);
  const sql = `select ${COLUMNS} from "tickets" where (${where.join(" and ")}) order by "tickets"."last_message_at" desc, "tickets"."id" desc limit ?`;
  const { results } = await env.DB.prepare(sql)
    .bind(...binds)
    .all<Row>();
  const page = results.slice(0, limit);
  const last = page.at(-1);
  const nextCursor = results.length > limit && last ? btoa(JSON.stringify([last.last_message_at, last.id])).replaceAll("=", "") : null;
  return Response.json({ tickets: page, nextCursor });
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/healthz") return Response.json({ ok: true });
    if (url.pathname === "/list") return list(env, url.searchParams);
    const room = url.pathname.match(/^\/ws\/([\w-]{1,100})$/)?.[1];
    if (room) return env.ROOMS.get(env.ROOMS.idFromName(room)).fetch(request);
    return new Response("Not found", { status: 404 });
  },
} satisfies ExportedHandler<Env>;
