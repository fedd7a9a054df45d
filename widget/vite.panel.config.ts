import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig } from "vite";
import { LOCALES } from "../contract/locales.ts";
import { sizeBudget } from "../scripts/size-budget.ts";

/** The panel with the strings of one language, gzipped: the goal for the whole widget. */
const PANEL_BUDGET_BYTES = 20 * 1024;

// The panel and each language's strings: ES modules under /widget/, named by their content so
// that they can be cached for good. widget.js (widget/vite.config.ts) is built after this and
// learns their names from the manifest.
export default defineConfig({
  plugins: [
    svelte({ compilerOptions: { css: "injected" } }),
    sizeBudget("widget panel", PANEL_BUDGET_BYTES, {
      entries: ["panel"],
      oneOf: [...LOCALES],
      missed: "issue 15: Svelte 5.57's runtime is 14.5 KiB of it for a minimal component; see docs/widget.md",
    }),
  ],
  build: {
    outDir: "dist/widget",
    emptyOutDir: true,
    target: "es2022",
    manifest: true,
    rollupOptions: {
      input: { panel: "widget/src/panel/main.ts", ...Object.fromEntries(LOCALES.map((locale) => [locale, `widget/src/locales/${locale}.ts`])) },
      preserveEntrySignatures: "exports-only",
      output: { entryFileNames: "[name]-[hash].js", chunkFileNames: "[name]-[hash].js" },
    },
  },
});
