import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig } from "vite";
import { sizeBudget } from "../scripts/size-budget.ts";

/** The build fails when widget.js grows past this, gzipped: the budget sits just above its size. */
const GZIP_BUDGET_BYTES = 26 * 1024;

// The storefront script: one self-contained file at /widget.js, added after the inbox build.
export default defineConfig({
  plugins: [svelte({ compilerOptions: { css: "injected" } }), sizeBudget("widget.js", GZIP_BUDGET_BYTES)],
  build: {
    outDir: "dist",
    emptyOutDir: false,
    target: "es2022",
    lib: { entry: "widget/src/main.ts", name: "ParleyWidget", formats: ["iife"], fileName: () => "widget.js" },
  },
});
