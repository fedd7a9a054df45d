// The inbox's address bar: `/` (the list), `/tickets/<id>` (a ticket beside the list),
// `/settings/<section>` and `/reports`. The Worker serves index.html for all of them (single-page fallback).
class Router {
  path = $state(location.pathname);

  constructor() {
    addEventListener("popstate", () => (this.path = location.pathname));
  }

  get ticketId(): string | null {
    const match = this.path.match(/^\/tickets\/([^/]+)$/);
    return match ? decodeURIComponent(match[1]!) : null;
  }

  get settingsSection(): string | null {
    const match = this.path.match(/^\/settings(?:\/([\w-]+))?\/?$/);
    return match ? (match[1] ?? "") : null;
  }

  get reports(): boolean {
    return /^\/reports\/?$/.test(this.path);
  }

  go(path: string, replace = false): void {
    if (path === this.path) return;
    if (replace) history.replaceState(null, "", path);
    else history.pushState(null, "", path);
    this.path = path;
  }
}

export const router = new Router();

export const ticketPath = (id: string) => `/tickets/${encodeURIComponent(id)}`;

/** Follows a same-app link without reloading; modified clicks (new tab and the like) are the browser's. */
export function navigate(event: MouseEvent, path: string): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  router.go(path);
}
