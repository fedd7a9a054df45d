// `npm run mail`: a scripted shopper's mailbox for trying email continuity locally. It finds the
// newest email of unseen replies that Parley "sent" (wrangler dev writes each one under
// .wrangler/tmp/email/), and answers it the way a mail client would: a reply to its reply
// address, quoting it, built with nodemailer's MIME composer and handed to the local email()
// handler as Email Routing would (wrangler dev's /cdn-cgi/handler/email).
//
//   npm run mail -- --from casey@example.com --say "Medium, please" [--image photo.png]
//                   [--parley http://127.0.0.1:8787] [--to reply+…@…] [--emails .wrangler/tmp/email]
//
// Without --say, the answer is read from stdin.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import MailComposer from "nodemailer/lib/mail-composer/index.js";

const { values: options } = parseArgs({
  options: {
    parley: { type: "string", default: "http://127.0.0.1:8787" },
    from: { type: "string" },
    to: { type: "string" },
    say: { type: "string" },
    image: { type: "string" },
    emails: { type: "string", default: ".wrangler/tmp/email" },
  },
});

/** Every file under `dir`, newest first. */
function newestFirst(dir) {
  const files = [];
  const walk = (at) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.push({ path, at: statSync(path).mtimeMs });
    }
  };
  walk(dir);
  return files.sort((a, b) => b.at - a.at).map((file) => file.path);
}

/** The newest continuity email's reply address (its "Reply to this email" link) and its text, to quote. */
export function newestContinuityEmail(dir) {
  for (const path of newestFirst(dir).filter((file) => file.endsWith(".html"))) {
    const html = readFileSync(path, "utf8");
    const address = html.match(/href="mailto:(reply\+[^"]+)"/)?.[1];
    if (!address) continue;
    const textPath = join(path, "..", "..", "email-text", basename(path).replace(/\.html$/, ".txt"));
    let text = "";
    try {
      text = readFileSync(textPath, "utf8");
    } catch {
      // the text part is only quoted
    }
    return { address, text };
  }
  return null;
}

/** The shopper's answer as raw MIME: their words, the quoted email below them, and an image if given. */
export async function composeAnswer({ from, to, say, quoted, image }) {
  const quote = quoted ? `\n\nOn ${new Date().toUTCString()}, the store wrote:\n${quoted.replace(/^/gm, "> ")}` : "";
  const mail = new MailComposer({
    from,
    to,
    subject: "Re: your conversation",
    text: `${say}${quote}`,
    attachments: image ? [{ filename: basename(image), content: readFileSync(image) }] : [],
  });
  return mail.compile().build();
}

/** Hands the raw email to the local email() handler, as Email Routing hands one to the Worker. */
export async function deliver(parley, { from, to, raw }) {
  const url = new URL("/cdn-cgi/handler/email", parley);
  url.searchParams.set("from", from);
  url.searchParams.set("to", to);
  const response = await fetch(url, { method: "POST", body: raw });
  return { status: response.status, text: await response.text() };
}

async function main() {
  if (!options.from) throw new Error("--from: the shopper's address, the one the email went to (their profile's email).");
  const found = options.to ? { address: options.to, text: "" } : newestContinuityEmail(options.emails);
  if (!found) throw new Error(`No email of unseen replies under ${options.emails} yet: reply to a shopper from the inbox and wait for the delay.`);
  let say = options.say;
  if (say === undefined) {
    let input = "";
    for await (const chunk of process.stdin) input += chunk;
    say = input.trim();
  }
  const raw = await composeAnswer({ from: options.from, to: found.address, say, quoted: found.text, image: options.image });
  const { status, text } = await deliver(options.parley.replace(/\/+$/, ""), { from: options.from, to: found.address, raw });
  if (status >= 400) throw new Error(`The email() handler answered ${status}: ${text}`);
  console.log(`✓ ${options.from} → ${found.address}: delivered to the email() handler (${status}).`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error) => {
    console.error(`✖ ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
