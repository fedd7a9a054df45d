// Twilio's side of an SMS conversation, on a local port, in Twilio's documented wire format: the
// Messages API that Parley posts replies to, and the signed webhooks Twilio posts to Parley (an
// incoming text, a delivery status callback). The wire itself (the Messages API's checks and
// answers, X-Twilio-Signature) is scripts/twilio-wire.mjs, which `npm run phone` and the Workers
// tests' stand-in play too.
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { messagesApi, twilioSignature, type AcceptedMessage } from "../../scripts/twilio-wire.mjs";
import { base } from "./widget-fixtures";

export type SentText = AcceptedMessage;

export class LocalTwilio {
  readonly accountSid = `AC${randomBytes(16).toString("hex")}`;
  readonly authToken = randomBytes(16).toString("hex");
  readonly number = `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
  /** Every text Parley had Twilio send, in order. */
  readonly sent: SentText[] = [];
  private server: Server | undefined;
  apiBaseUrl = "";

  async start(): Promise<void> {
    this.server = createServer(async (request, response) => {
      let body = "";
      for await (const chunk of request) body += chunk;
      const path = new URL(request.url ?? "/", "http://twilio").pathname;
      const reply = messagesApi(
        { method: request.method ?? "", path, authorization: request.headers.authorization, contentType: request.headers["content-type"], body },
        { accountSid: this.accountSid, authToken: this.authToken },
      );
      if (reply.message) this.sent.push(reply.message);
      response.writeHead(reply.status, { "Content-Type": "application/json" }).end(JSON.stringify(reply.body));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.apiBaseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** A text from `from` to the store's number, posted to Parley's webhook as Twilio signs it. */
  text(from: string, body: string): Promise<Response> {
    return this.post(`${base()}/api/sms/twilio`, {
      MessageSid: `SM${randomBytes(16).toString("hex")}`,
      AccountSid: this.accountSid,
      From: from,
      To: this.number,
      Body: body,
      NumMedia: "0",
    });
  }

  /** Twilio's status callback for a text it sent, to the address Parley gave with it. */
  status(text: SentText, status: string, errorCode?: string): Promise<Response> {
    if (!text.statusCallback) throw new Error(`Parley sent ${text.sid} without a StatusCallback`);
    return this.post(text.statusCallback, {
      MessageSid: text.sid,
      AccountSid: this.accountSid,
      MessageStatus: status,
      ...(errorCode ? { ErrorCode: errorCode } : {}),
    });
  }

  private async post(url: string, fields: Record<string, string>): Promise<Response> {
    return fetch(url, {
      method: "POST",
      body: new URLSearchParams(fields),
      headers: { "X-Twilio-Signature": await twilioSignature(this.authToken, url, fields) },
    });
  }
}
