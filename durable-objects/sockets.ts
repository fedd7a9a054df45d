// Sockets as both objects keep them: hibernatable, tagged by who holds them, and ended when the
// credentials they were opened with run out.
import { PARTICIPANT_HEADER, type SocketIdentity } from "./conversation/rpc";

export const ADMIN_TAG = "admin";

export const sessionTag = (session: string) => `session:${session}`;

export function identityTags(identity: SocketIdentity): string[] {
  return [
    identity.side,
    `${identity.side}:${identity.id}`,
    ...(identity.session ? [sessionTag(identity.session)] : []),
    ...(identity.admin ? [ADMIN_TAG] : []),
  ];
}

export function readIdentity(request: Request): SocketIdentity | null {
  if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") return null;
  return JSON.parse(request.headers.get(PARTICIPANT_HEADER) ?? "null") as SocketIdentity | null;
}

// Frame delivery shared by the objects. A socket that is closing just misses a frame: its
// client resumes (`after` for tickets, `since` for the inbox) when it reconnects.

export function sendFrame(ws: WebSocket, frame: unknown): void {
  try {
    ws.send(JSON.stringify(frame));
  } catch {
    // closing; see above
  }
}

export function broadcastFrame(sockets: WebSocket[], frame: unknown, except?: WebSocket): void {
  const text = JSON.stringify(frame);
  for (const ws of sockets) {
    if (ws === except) continue;
    try {
      ws.send(text);
    } catch {
      // closing; see above
    }
  }
}

/** Completes the close handshake the client started (1005 means it gave no code). */
export function answerClose(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code === 1005 ? 1000 : code, reason);
  } catch {
    // already closed by the runtime
  }
}

/** Tells the client its credentials ended, and closes the socket (4001). */
export function endSocket(ws: WebSocket, message: string): void {
  sendFrame(ws, { type: "error", code: "unauthorized", message });
  try {
    ws.close(4001, "unauthorized");
  } catch {
    // already closed
  }
}

const expiries = new WeakMap<WebSocket, number>();

/** The object's sockets (with `tag`, if given) whose credentials are still valid; expired ones are ended on the way. */
export function liveSockets(ctx: DurableObjectState, tag?: string): WebSocket[] {
  const now = Date.now();
  return ctx.getWebSockets(tag).filter((ws) => {
    let expiresAt = expiries.get(ws);
    if (expiresAt === undefined) {
      expiresAt = (ws.deserializeAttachment() as SocketIdentity | null)?.expiresAt ?? 0;
      expiries.set(ws, expiresAt);
    }
    if (expiresAt > now) return true;
    endSocket(ws, "Your session has expired; sign in again.");
    return false;
  });
}

/** Ends every socket of an agent session (after logout). */
export function endSession(ctx: DurableObjectState, session: string): void {
  for (const ws of ctx.getWebSockets(sessionTag(session))) endSocket(ws, "You signed out.");
}
