// A text from a number nobody has named: the ticket and the customer's messages carry the number
// as people write it (contract/phone.ts), so two strangers never look alike in the inbox, its
// alerts or the team's emails; a named number keeps its name, and the profile keeps no made-up name.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { TicketT } from "../../contract";
import { composeNotification } from "../../worker/lib/notify/compose";
import { call, json } from "./helpers";
import { admin, history, inbound, text, ticketOfSid, useSmsAccount } from "./sms-fixtures";

useSmsAccount();

let counter = 0;
/** A Swedish mobile number nobody has used, and how it is shown. */
function swedishMobile() {
  const digits = `${String(Date.now() % 1000).padStart(3, "0")}${String(++counter).padStart(4, "0")}`;
  return { phone: `+4670${digits}`, shown: `+46 70 ${digits.slice(0, 3)} ${digits.slice(3, 5)} ${digits.slice(5)}` };
}

async function firstText(phone: string, body: string) {
  const params = inbound(phone, body);
  await text(params);
  const ticketId = (await ticketOfSid(params.MessageSid))!;
  const detail = await json<{ ticket: TicketT; profile: { name: string | null; phone: string } }>(
    await call(`/api/tickets/${ticketId}`, { cookie: admin }),
    200,
  );
  return { ...detail, messages: await history(ticketId) };
}

describe("an SMS customer's name", () => {
  it("is the formatted number while nobody has named it, a different one for each stranger", async () => {
    const first = swedishMobile();
    const second = swedishMobile();
    const a = await firstText(first.phone, "Hej! Where is my parcel?");
    const b = await firstText(second.phone, "Hello, a question");
    expect(a.ticket.customerName).toBe(first.shown);
    expect(a.messages[0]!.author).toMatchObject({ kind: "customer", name: first.shown });
    expect(b.ticket.customerName).toBe(second.shown);
    // The profile holds what is known: the number, and no name.
    expect(a.profile).toMatchObject({ phone: first.phone, name: null });
  });

  it("is the store's name for the number once it has one", async () => {
    const { phone } = swedishMobile();
    const externalId = `cust-${crypto.randomUUID()}`;
    await json(
      await call("/api/events", {
        method: "POST",
        token: env.API_KEY,
        json: { profile: { externalId, phone, name: "Ada Phone" }, event: { name: "Signed Up" } },
      }),
      202,
    );
    const named = await firstText(phone, "Texting from a known number");
    expect(named.ticket.customerName).toBe("Ada Phone");
    expect(named.messages[0]!.author.name).toBe("Ada Phone");
  });

  it("says the number once in the team's email", async () => {
    const { phone, shown } = swedishMobile();
    const { ticket, messages } = await firstText(phone, "Hi");
    const email = await composeNotification({
      kind: "new_ticket",
      ticket,
      messages,
      phone,
      from: "n@parley.test",
      to: "t@shop.test",
      ticketUrl: "https://parley.test/t",
      unsubscribeUrl: "https://parley.test/u",
    });
    expect(email.subject).toBe(`New SMS from ${shown}: Hi`);
  });
});
