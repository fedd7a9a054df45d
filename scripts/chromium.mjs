// Debian's Chromium (or CHROMIUM_PATH), headless, for playwright-core, which downloads no browser:
// the settings the end-to-end tests and the browser benchmarks launch it with.
export const CHROMIUM = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
};
