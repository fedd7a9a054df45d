// The inbox's keyboard shortcuts: one list, for the handler and for the `?` help sheet.
export type Command = "next" | "previous" | "close" | "snooze" | "reply" | "macros" | "labels" | "search" | "help";

export const SHORTCUTS: Array<{ key: string; keys: string; command: Command; does: string }> = [
  { key: "j", keys: "j", command: "next", does: "Next ticket" },
  { key: "k", keys: "k", command: "previous", does: "Previous ticket" },
  { key: "r", keys: "r", command: "reply", does: "Focus the reply box" },
  { key: "m", keys: "m", command: "macros", does: "Insert a macro" },
  { key: "s", keys: "s", command: "snooze", does: "Snooze the ticket" },
  { key: "c", keys: "c", command: "close", does: "Close the ticket" },
  { key: "l", keys: "l", command: "labels", does: "Label the ticket" },
  { key: "/", keys: "/", command: "search", does: "Search tickets" },
  { key: "?", keys: "?", command: "help", does: "Show this help" },
];

/** The command a key press asks for, unless the agent is typing somewhere or holds a modifier. */
export function commandFor(event: KeyboardEvent): Command | null {
  if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return null;
  const target = event.target as HTMLElement | null;
  // An open dialog has the keyboard; a closed one (whose button may keep focus until its close
  // event has run) does not.
  if (target?.closest("input, textarea, select, [contenteditable], dialog[open]")) return null;
  return SHORTCUTS.find((shortcut) => shortcut.key === event.key)?.command ?? null;
}
