// A customer's data rights in the inbox (docs/data-rights.md), in a real Chromium against
// `npm start`: beside a ticket, an admin downloads the customer's data, and deletes the customer
// after typing their email, which takes the ticket out of the view and the list; an agent who is
// not an admin sees neither action.
import { text as streamText } from "node:stream/consumers";
import { describe, expect, it } from "vitest";
import { http } from "./client";
import { createAgent, inbox, inboxReady, signInPage, ticketReady, until } from "./inbox-fixtures";
import { adminCookie, agentOnTicket, context, customerWrites, useInboxBrowser } from "./inbox-setup";
import { count, text, visible } from "./widget-fixtures";

useInboxBrowser();

/** A new admin signed in through the form, with the ticket open and the list live. */
async function adminOnTicket(ticketId: string, label: string) {
  const page = await signInPage(await context(), await createAgent(adminCookie, "admin", label), `/tickets/${ticketId}`);
  await ticketReady(page, ticketId);
  await inboxReady(page);
  return page;
}

describe("a customer's data rights in the inbox", { timeout: 60_000 }, () => {
  it("an admin downloads everything Parley holds of the customer as JSON", async () => {
    const customer = await customerWrites("What do you keep about me?", "export");
    const page = await adminOnTicket(customer.ticketId, "exporter");
    const ui = inbox(page);
    await visible(ui.id("profile-export"));
    await visible(ui.id("profile-delete"));

    // A plain link: the browser downloads it with the session cookie, under the server's name.
    const [download] = await Promise.all([page.waitForEvent("download"), ui.id("profile-export").click()]);
    expect(download.suggestedFilename()).toBe(`parley-profile-${customer.profileId}.json`);
    const data = JSON.parse(await streamText(await download.createReadStream()));
    expect(data.profile).toMatchObject({ id: customer.profileId, name: customer.name, email: customer.customer.email });
    expect(data.tickets.map((entry: { ticket: { id: string } }) => entry.ticket.id)).toEqual([customer.ticketId]);
    expect(data.tickets[0].messages.map((message: { body: string }) => message.body)).toEqual(["What do you keep about me?"]);
    // The page stays where it was.
    expect(await page.evaluate(() => location.pathname)).toBe(`/tickets/${customer.ticketId}`);
  });

  it("an admin deletes the customer after typing their email: the ticket leaves the view and the list, other customers' stay", async () => {
    const customer = await customerWrites("Please erase everything you have about me", "erase");
    const bystander = await customerWrites("Where is my parcel?", "erase-bystander");
    const page = await adminOnTicket(customer.ticketId, "eraser");
    const ui = inbox(page);
    const email = customer.customer.email;
    await visible(ui.row(customer.ticketId));
    await visible(ui.row(bystander.ticketId));

    // The dialog says what goes and exactly what to type; focus starts in the box.
    await ui.id("profile-delete").click();
    await visible(ui.id("erase-dialog"));
    const dialog = (await ui.id("erase-dialog").textContent()) ?? "";
    for (const erased of ["messages, notes and images", "orders and other events", "profile", "Reports keep their counts", "can't be undone"]) {
      expect(dialog).toContain(erased);
    }
    expect(await ui.id("erase-word").textContent()).toBe(email);
    expect(await ui.id("erase-input").evaluate((input) => input === document.activeElement)).toBe(true);
    const confirm = ui.id("erase-confirm");
    expect(await confirm.isDisabled()).toBe(true);

    // Nothing but the exact word will do; Cancel starts over, and focus goes back to the button.
    for (const wrong of [email.slice(0, -1), customer.name, email.toUpperCase(), "delete"]) {
      await ui.id("erase-input").fill(wrong);
      expect(await confirm.isDisabled(), wrong).toBe(true);
    }
    await ui.id("erase-input").press("Enter");
    await ui.id("erase-cancel").click();
    await ui.id("erase-dialog").waitFor({ state: "hidden" });
    expect(await ui.id("profile-delete").evaluate((button) => button === document.activeElement)).toBe(true);
    expect((await http(`/api/tickets/${customer.ticketId}`, { cookie: adminCookie })).status).toBe(200);

    await ui.id("profile-delete").click();
    await visible(ui.id("erase-dialog"));
    expect(await ui.id("erase-input").inputValue()).toBe("");
    await ui.id("erase-input").fill(email);
    expect(await confirm.isDisabled()).toBe(false);
    await confirm.click();

    // The dialog says so, and closing it goes back to the list, which no longer has the customer's ticket.
    await text(ui.id("erase-done"), `Everything Parley held of ${customer.customer.name} is erased.`);
    expect(await ui.id("erase-close").evaluate((button) => button === document.activeElement)).toBe(true);
    await ui.id("erase-close").click();
    await until(() => page.evaluate(() => location.pathname), "/");
    await count(ui.id("ticket-view"), 0);
    await count(ui.id("erase-dialog"), 0);
    await count(ui.row(customer.ticketId), 0);
    expect((await http(`/api/tickets/${customer.ticketId}`, { cookie: adminCookie })).status).toBe(404);
    expect((await http(`/api/profiles/${customer.profileId}/export`, { cookie: adminCookie })).status).toBe(404);
    // The reload the server's `resync` asks for does not bring it back; the other customer's ticket stays.
    await inboxReady(page);
    await count(ui.row(customer.ticketId), 0);
    await visible(ui.row(bystander.ticketId));
  });

  it("an agent who is not an admin sees neither action", async () => {
    const customer = await customerWrites("Can you delete my account?", "erase-agent");
    const { page } = await agentOnTicket(customer.ticketId, "nonadmin");
    const ui = inbox(page);
    await text(ui.id("profile-email"), customer.customer.email);
    expect(await ui.id("profile-export").count()).toBe(0);
    expect(await ui.id("profile-delete").count()).toBe(0);
    expect(await ui.id("profile").textContent()).not.toContain("Customer data");
  });
});
