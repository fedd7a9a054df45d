import { readFileSync } from "node:fs";
import { defineConfig } from "vite";
import { LOCALES } from "../contract/locales.ts";
import { sizeBudget } from "../scripts/size-budget.ts";

/** widget.js, gzipped: the launcher on every page view of the store. */
const LOADER_BUDGET_BYTES = 6 * 1024;

/** Where the panel build (widget/vite.panel.config.ts, built first) put each entry, under /widget/. */
function chunkNames() {
  const manifest = JSON.parse(readFileSync("dist/widget/.vite/manifest.json", "utf8")) as Record<string, { file: string; name?: string; isEntry?: boolean }>;
  const file = (name: string) => {
    const entry = Object.values(manifest).find((chunk) => chunk.isEntry && chunk.name === name);
    if (!entry) throw new Error(`the panel build has no entry "${name}": build widget/vite.panel.config.ts first`);
    return `widget/${entry.file}`;
  };
  return { panel: file("panel"), locales: Object.fromEntries(LOCALES.map((locale) => [locale, file(locale)])) };
}

// The storefront loader: one classic script at /widget.js (stores add it with <script src>),
// added to dist/ after the inbox and the panel.
export default defineConfig(({ command }) => ({
  plugins: [sizeBudget("widget.js", LOADER_BUDGET_BYTES)],
  define: command === "build" ? { __PARLEY_CHUNKS__: JSON.stringify(chunkNames()) } : {},
  build: {
    outDir: "dist",
    emptyOutDir: false,
    target: "es2022",
    lib: { entry: "widget/src/loader/main.ts", name: "ParleyWidget", formats: ["iife"], fileName: () => "widget.js" },
  },
}));
