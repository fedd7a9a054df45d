/** The identity the Worker proved before forwarding an upgrade travels in this header, which only the Worker sets. */
export const PARTICIPANT_HEADER = "x-parley-participant";

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
