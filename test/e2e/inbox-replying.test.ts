// The agent inbox in a real browser against `npm start` (inbox-setup.ts): replying (Enter and
// Shift+Enter, assignment, typing, Sent and Seen), and the composer's macros, emoji and images.
import type { Locator } from "playwright-core";
import { describe, expect, it } from "vitest";
import { http, ok } from "./client";
import { agentMessagesTo, customerReads, customerTypes, inbox, pngBytes, settle, threadMessages, until } from "./inbox-fixtures";
import {
  adminCookie,
  agentOnTicket,
  cleanups,
  composer,
  customerGets,
  customerWrites,
  messagesOf,
  newAgent,
  reply,
  ticketOf,
  useInboxBrowser,
} from "./inbox-setup";
import { attribute, count, text, visible } from "./widget-fixtures";

useInboxBrowser();

/** The image drawn from the server: its URL is the attachment's, and the browser decoded it. */
async function imageShown(image: Locator, url: string) {
  await image.waitFor({ state: "visible" });
  await attribute(image, "src", url);
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), { timeout: 5_000 }).toBe(true);
}

describe("agent inbox in a browser", { timeout: 45_000 }, () => {
  describe("replying", () => {
    it("sends with Enter, makes newlines with Shift+Enter, delivers each reply once and assigns the replier", async () => {
      const colleague = await newAgent("colleague");
      const customer = await customerWrites("Can I change the size of my order?", "reply");
      const { ticketId } = customer;
      const { agent, page } = await agentOnTicket(ticketId, "replier");
      const select = page.getByTestId("assignee-select");
      expect((await ticketOf(ticketId)).assigneeId).toBeNull();
      await until(
        settle(() => select.inputValue({ timeout: 500 })),
        "",
      );

      const input = composer(page);
      await input.fill("Of course.");
      await input.press("Shift+Enter");
      await input.pressSequentially("Which size would you like?");
      await until(() => input.inputValue(), "Of course.\nWhich size would you like?");
      expect(agentMessagesTo(customer)).toEqual([]);
      await input.press("Enter");
      await until(() => input.inputValue(), "");
      await reply(page, "We have M and L in stock.");
      await reply(page, "Both ship today.");
      const bodies = ["Of course.\nWhich size would you like?", "We have M and L in stock.", "Both ship today."];
      await customerGets(customer, (f) => f.body === bodies[2]);

      // The first reply assigned the ticket to the replying agent, before the second reply.
      const statusFrames = () => customer.socket.frames.filter((f) => f.type === "status");
      expect(statusFrames()).toEqual([{ type: "status", status: "open", assigneeId: agent.id }]);
      await until(
        settle(() => select.inputValue({ timeout: 500 })),
        agent.id,
      );
      expect((await ticketOf(ticketId)).assigneeId).toBe(agent.id);

      // Each reply once, in order, to the customer, in the thread and in the stored history.
      const stored = await messagesOf(ticketId);
      expect(stored.map((m) => [m.seq, m.author.kind, m.body])).toEqual([
        [1, "customer", "Can I change the size of my order?"],
        [2, "agent", bodies[0]],
        [3, "agent", bodies[1]],
        [4, "agent", bodies[2]],
      ]);
      expect(agentMessagesTo(customer).map((f) => [f.seq, f.body, f.author.id])).toEqual(bodies.map((body, i) => [i + 2, body, agent.id]));
      await until(
        async () => (await threadMessages(page)).map((m) => [m.seq, m.author, m.body]),
        stored.map((m) => [String(m.seq), m.author.kind, m.body]),
      );

      // Reassigning in the select.
      await select.selectOption(colleague.id);
      await until(async () => (await ticketOf(ticketId)).assigneeId, colleague.id);
      await until(
        async () => statusFrames(),
        [
          { type: "status", status: "open", assigneeId: agent.id },
          { type: "status", status: "open", assigneeId: colleague.id },
        ],
      );
      await until(
        settle(() => select.inputValue({ timeout: 500 })),
        colleague.id,
      );
      expect(agentMessagesTo(customer)).toHaveLength(3);
    });

    it("shows the customer's typing, then Sent, then Seen after the customer's read receipt", async () => {
      const customer = await customerWrites("Is the wool itchy?", "receipt");
      const { page } = await agentOnTicket(customer.ticketId, "receipt");
      const t = inbox(page);

      expect(await page.getByTestId("typing").count()).toBe(0);
      customerTypes(customer);
      await visible(page.getByTestId("typing"));
      await text(page.getByTestId("typing"), `${customer.name} is typing…`);

      const answer = "Not at all: it is merino, soft on the skin.";
      await reply(page, answer);
      const delivered = await customerGets(customer, (f) => f.body === answer);
      const mine = t.message(delivered.seq);
      await visible(mine);
      await attribute(mine, "data-status", "sent");
      await text(mine.getByTestId("receipt"), "Sent");
      // Nothing has read it yet: it stays "Sent" while the customer's socket does other things.
      customer.socket.send({ type: "ping" });
      await customer.socket.next((f) => f.type === "pong");
      expect(await mine.getAttribute("data-status")).toBe("sent");

      customerReads(customer, delivered.seq);
      await attribute(mine, "data-status", "seen");
      await text(mine.getByTestId("receipt"), "Seen");

      // The customer's message ends the typing indicator.
      customerTypes(customer);
      await visible(page.getByTestId("typing"));
      await customer.say("Great, thanks!");
      await count(page.getByTestId("typing"), 0);
    });
  });

  describe("composer extras", () => {
    it("inserts macros by /name and from the picker, editable before sending, and emoji", async () => {
      const tag = `m${Date.now().toString(36)}`;
      const macroA = await ok(
        await http("/api/macros", {
          method: "POST",
          cookie: adminCookie,
          json: { name: `Returns-${tag}`, body: `You can return it within 30 days (${tag}).` },
        }),
        201,
      );
      cleanups.push(() => http(`/api/macros/${macroA.id}`, { method: "DELETE", cookie: adminCookie }));
      const macroB = await ok(
        await http("/api/macros", {
          method: "POST",
          cookie: adminCookie,
          json: { name: `Delivery-${tag}`, body: `Delivery takes two to four days (${tag}).` },
        }),
        201,
      );
      cleanups.push(() => http(`/api/macros/${macroB.id}`, { method: "DELETE", cookie: adminCookie }));
      // The workspace loads macros at sign-in: the macros exist before the agent signs in.
      const customer = await customerWrites("Can I send it back?", "macro");
      const { page } = await agentOnTicket(customer.ticketId, "macros");
      const input = composer(page);

      // "/" and part of a name (after some text of the agent's own), then Enter.
      await input.click();
      await input.pressSequentially(`Hello! /turns-${tag}`);
      await visible(page.getByTestId("macro-picker"));
      await until(() => page.getByTestId("macro-option").locator("strong").allTextContents(), [macroA.name]);
      await attribute(page.getByTestId("macro-option"), "aria-selected", "true");
      await input.press("Enter");
      await count(page.getByTestId("macro-picker"), 0);
      await until(() => input.inputValue(), `Hello! ${macroA.body}`);
      await input.press("End");
      await input.pressSequentially(" Just write to us first.");
      const firstBody = `Hello! ${macroA.body} Just write to us first.`;
      await until(() => input.inputValue(), firstBody);
      await input.press("Enter");
      expect((await customerGets(customer, (f) => f.body === firstBody)).body).toBe(firstBody);

      // The macro button's picker, with its own search field.
      await page.getByTestId("macro-button").click();
      await visible(page.getByTestId("macro-search"));
      await page.getByTestId("macro-search").fill(`delivery-${tag}`);
      await until(() => page.getByTestId("macro-option").count(), 1);
      await page.getByTestId("macro-option").click();
      await count(page.getByTestId("macro-picker"), 0);
      await until(() => input.inputValue(), macroB.body);
      await input.press("Home");
      await input.pressSequentially("Good news: ");
      const secondBody = `Good news: ${macroB.body}`;
      await until(() => input.inputValue(), secondBody);
      await input.press("Enter");
      expect((await customerGets(customer, (f) => f.body === secondBody)).body).toBe(secondBody);

      // An emoji from the picker goes into the text at the caret.
      await input.fill("Have a nice day ");
      await page.getByTestId("emoji-button").click();
      await visible(page.getByTestId("emoji-picker"));
      await page.locator('[data-testid="emoji-option"][aria-label="wave"]').click();
      await count(page.getByTestId("emoji-picker"), 0);
      await until(() => input.inputValue(), "Have a nice day 👋");
      await input.press("Enter");
      expect((await customerGets(customer, (f) => f.body.includes("👋"))).body).toBe("Have a nice day 👋");
      await visible(inbox(page).messageWithBody("Have a nice day 👋"));
      expect(agentMessagesTo(customer).map((f) => f.body)).toEqual([firstBody, secondBody, "Have a nice day 👋"]);
    });

    it("sends images from the file input, a paste and a drop; each arrives as an attachment and shows inline", async () => {
      const customer = await customerWrites("Here is what arrived, can I show you?", "images");
      const { page } = await agentOnTicket(customer.ticketId, "images");
      const t = inbox(page);
      const input = composer(page);
      const png = pngBytes(12, [30, 140, 200]);

      const sendWithImage = async (body: string, attach: () => Promise<void>) => {
        await attach();
        const preview = page.getByTestId("attachment-preview");
        await count(preview, 1);
        await attribute(preview, "data-uploaded", "true", 10_000);
        await input.fill(body);
        await input.press("Enter");
        const frame = await customerGets(customer, (f) => f.body === body);
        expect(frame.attachments).toHaveLength(1);
        expect(frame.attachments[0]).toMatchObject({
          contentType: "image/png",
          size: png.length,
          url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/api\/uploads\/[0-9a-f]{32}$/),
        });
        // The stored bytes are the ones the agent picked.
        const served = await fetch(frame.attachments[0].url);
        expect(served.headers.get("content-type")).toBe("image/png");
        expect(Buffer.from(await served.arrayBuffer()).equals(png)).toBe(true);
        await count(preview, 0);
        const message = t.message(frame.seq);
        await visible(message);
        await text(message.getByTestId("message-body"), body);
        await imageShown(message.getByTestId("message-image"), frame.attachments[0].url);
        return frame;
      };

      await sendWithImage("Photo from the file picker", () =>
        page.getByTestId("attach-input").setInputFiles({ name: "picked.png", mimeType: "image/png", buffer: png }),
      );

      await sendWithImage("Photo from the clipboard", async () => {
        await input.evaluate(
          (textarea, bytes) => {
            const data = new DataTransfer();
            data.items.add(new File([new Uint8Array(bytes)], "pasted.png", { type: "image/png" }));
            textarea.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
          },
          [...png],
        );
      });

      await sendWithImage("Photo dropped on the conversation", async () => {
        const conversation = page.getByRole("group", { name: "Thread and reply" });
        await conversation.evaluate(
          (element, bytes) => {
            const data = new DataTransfer();
            data.items.add(new File([new Uint8Array(bytes)], "dropped.png", { type: "image/png" }));
            const at = element.getBoundingClientRect();
            const init = { dataTransfer: data, bubbles: true, cancelable: true, clientX: at.x + at.width / 2, clientY: at.y + at.height / 3 };
            element.dispatchEvent(new DragEvent("dragenter", init));
            element.dispatchEvent(new DragEvent("dragover", init));
            element.dispatchEvent(new DragEvent("drop", init));
          },
          [...png],
        );
      });

      // A file that is not an image is refused in its preview and holds the reply back; each preview can be removed.
      await page.getByTestId("attach-input").setInputFiles([
        { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("not an image") },
        { name: "kept.png", mimeType: "image/png", buffer: png },
      ]);
      const previews = page.getByTestId("attachment-preview");
      await count(previews, 2);
      await text(previews.first().locator(".error"), "Only PNG, JPEG, GIF and WebP images can be sent.");
      await attribute(previews.nth(1), "data-uploaded", "true", 10_000);
      await input.fill("Not sent while a refused file is in it");
      await attribute(page.getByTestId("composer-send"), "disabled", "");
      await page.getByRole("button", { name: "Remove notes.txt" }).click();
      await count(previews, 1);
      await attribute(page.getByTestId("composer-send"), "disabled", null);
      await previews.getByTestId("attachment-remove").click();
      await count(previews, 0);
      await input.fill("");

      const stored = await messagesOf(customer.ticketId);
      expect(stored.filter((m) => m.author.kind === "agent").map((m) => [m.body, m.attachments.length])).toEqual([
        ["Photo from the file picker", 1],
        ["Photo from the clipboard", 1],
        ["Photo dropped on the conversation", 1],
      ]);
      expect(agentMessagesTo(customer)).toHaveLength(3);
    });
  });
});
