// The panel's Svelte options, for its build (widget/vite.panel.config.ts) and for svelte-check.
export default {
  // The panel lives in a shadow root: its styles go in with it.
  compilerOptions: { css: "injected" },
};
