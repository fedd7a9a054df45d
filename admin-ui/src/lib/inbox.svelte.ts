// The inbox list and counts, kept true live. The inbox socket comes first: once it reports the
// revision it starts from, the list is loaded, so no change can fall between the two. After a
// drop it reconnects with `since=<rev>` and gets exactly what changed; a `resync` reloads.
import type { AgentT, ChannelT, CountsT, InboxFrame, LabelT, MentionFrame, TicketStatusT, TicketT } from "../../../contract";
import { SvelteMap } from "svelte/reactivity";
import { connect, type Connection } from "../../../client/connection";
import { api, socketUrl } from "./api";
import { notifier } from "./notify.svelte";
import { router, ticketPath } from "./router.svelte";
import { saved } from "./storage";

/**
 * `view: "ai"` is the admins' view of the conversations the AI agent handles without the team;
 * `"mentions"` the tickets whose notes mention the agent (any status).
 */
export type Filters = {
  view: "inbox" | "ai" | "mentions";
  status: TicketStatusT;
  assignee: "all" | "me" | "unassigned";
  channel: "all" | ChannelT;
  label: LabelFilter;
};
/** A label's name, or "" for every ticket. */
type LabelFilter = string;
export type Arrival = { ticket: TicketT; isNew: boolean };

const PAGE_SIZE = 50;
const DEFAULT_FILTERS: Filters = { view: "inbox", status: "open", assignee: "all", channel: "all", label: "" };
/** Shown for a label name no label has (one deleted since the ticket was read). */
const UNKNOWN_LABEL_COLOR = "#9ca3af";

/** The list's order: newest activity first, then id, exactly as the server pages it. */
export function listOrder(a: TicketT, b: TicketT): number {
  const at = a.lastMessageAt ?? "";
  const bt = b.lastMessageAt ?? "";
  if (at !== bt) return at < bt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

export class InboxStore {
  filters = $state<Filters>(DEFAULT_FILTERS);
  tickets = $state<TicketT[]>([]);
  nextCursor = $state<string | null>(null);
  loading = $state(true);
  loadingMore = $state(false);
  error = $state<string | null>(null);
  counts = $state<CountsT | null>(null);
  connected = $state(false);
  /** The team's labels, by name: the list's filter, the rows' colours and the ticket's picker. */
  labels = $state<LabelT[]>([]);
  /** Mentions heard live since the agent last opened the Mentions view. */
  unseenMentions = $state(0);

  private rev: number | null = null;
  private connection: Connection | null = null;
  /** Bumped by every (re)load: a page that answers for an older load is dropped. */
  private generation = 0;
  /** Changes that arrive while a load is in flight, applied on top of its answer. */
  private pending: TicketT[] | null = null;
  /** The activity time last seen per ticket, to tell a new customer message from other changes. */
  private readonly seenActivity = new Map<string, string | null>();
  /**
   * Each ticket's newest state the socket has told of, whatever the filters: fresher than any
   * page read from D1, which follows the conversation objects a moment later.
   */
  private readonly heard = new SvelteMap<string, TicketT>();

  constructor(
    private readonly agent: AgentT,
    private readonly onArrival: (arrival: Arrival) => void,
  ) {
    const remembered = { ...DEFAULT_FILTERS, ...saved.read<Partial<Filters>>("filters") };
    // Filters remembered in this browser from an admin's session do not give an agent the AI view.
    this.filters = agent.role === "admin" || remembered.view !== "ai" ? remembered : { ...remembered, view: "inbox" };
  }

  start(): void {
    void this.refreshLabels();
    this.connection = connect<InboxFrame>(() => socketUrl(`/api/inbox/ws${this.rev === null ? "" : `?since=${this.rev}`}`), {
      onOpen: () => (this.connected = true),
      onFrame: (frame) => this.onFrame(frame),
      onDown: () => {
        this.connected = false;
        // A refused upgrade says nothing about why: ask, and an ended session is noticed.
        void api.me().catch(() => undefined);
      },
    });
  }

  stop(): void {
    this.connection?.stop();
  }

  async refreshLabels(): Promise<void> {
    this.labels = await api.labels().catch(() => this.labels);
    // A label deleted since this browser filtered by it: the list shows every ticket again.
    const { label } = this.filters;
    if (label && !this.labels.some((known) => known.name.toLowerCase() === label.toLowerCase())) this.setFilters({ label: "" });
  }

  labelColor(name: string): string {
    return this.labels.find((label) => label.name === name)?.color ?? UNKNOWN_LABEL_COLOR;
  }

  setFilters(change: Partial<Filters>): void {
    this.filters = { ...this.filters, ...change };
    if (this.filters.view === "mentions") this.unseenMentions = 0;
    saved.write("filters", this.filters);
    void this.load();
  }

  /**
   * A customer's tickets as a ticket's page loaded them (newest first), each as the socket last
   * told of it, with any the customer has opened since: the customer panel stays as live as the list.
   */
  customerTickets(loaded: TicketT[]): TicketT[] {
    const profileId = loaded[0]?.profileId;
    const known = new Set(loaded.map((ticket) => ticket.id));
    const opened = [...this.heard.values()].filter((ticket) => ticket.profileId === profileId && !known.has(ticket.id));
    return [...opened, ...loaded.map((ticket) => this.heard.get(ticket.id) ?? ticket)].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** The ticket `offset` places away from `id` in the list (j/k), or the first one. */
  neighbour(id: string | null, offset: number): TicketT | null {
    const index = id === null ? -1 : this.tickets.findIndex((t) => t.id === id);
    if (index === -1) return this.tickets[0] ?? null;
    return this.tickets[Math.min(this.tickets.length - 1, Math.max(0, index + offset))] ?? null;
  }

  async load(): Promise<void> {
    const generation = ++this.generation;
    this.loading = true;
    this.error = null;
    this.pending = [];
    try {
      const page = await api.tickets({ ...this.query(), limit: PAGE_SIZE });
      if (generation !== this.generation) return;
      this.tickets = page.tickets;
      this.nextCursor = page.nextCursor;
      for (const ticket of page.tickets) this.seenActivity.set(ticket.id, ticket.lastMessageAt);
      for (const ticket of this.pending) this.place(ticket);
    } catch (error) {
      if (generation === this.generation) this.error = (error as Error).message;
    } finally {
      if (generation === this.generation) {
        this.loading = false;
        this.pending = null;
      }
    }
  }

  async loadMore(): Promise<void> {
    if (!this.nextCursor || this.loading || this.loadingMore) return;
    const generation = this.generation;
    this.loadingMore = true;
    try {
      const page = await api.tickets({ ...this.query(), limit: PAGE_SIZE, cursor: this.nextCursor });
      if (generation !== this.generation) return;
      const known = new Set(this.tickets.map((t) => t.id));
      this.tickets = [...this.tickets, ...page.tickets.filter((t) => !known.has(t.id))];
      this.nextCursor = page.nextCursor;
      for (const ticket of page.tickets) if (!this.seenActivity.has(ticket.id)) this.seenActivity.set(ticket.id, ticket.lastMessageAt);
    } catch (error) {
      if (generation === this.generation) this.error = (error as Error).message;
    } finally {
      this.loadingMore = false;
    }
  }

  private query() {
    const { view, status, assignee, channel } = this.filters;
    const byChannel = channel === "all" ? undefined : channel;
    const label = this.filters.label || undefined;
    if (view === "ai") return { view, channel: byChannel, label };
    if (view === "mentions") return { mentioned: "me" as const, channel: byChannel, label };
    return { status, assignee: assignee === "all" ? undefined : assignee, channel: byChannel, label };
  }

  private onFrame(frame: InboxFrame): void {
    switch (frame.type) {
      case "counts":
        this.counts = { unread: frame.unread, open: frame.open, snoozed: frame.snoozed };
        // The first counts of a fresh connection name the revision the list must start from.
        if (this.rev === null) {
          this.rev = frame.rev;
          void this.load();
        }
        return;
      case "ticket":
        this.rev = frame.rev;
        this.heard.set(frame.ticket.id, frame.ticket);
        this.noticeArrival(frame.ticket);
        if (this.pending) this.pending.push(frame.ticket);
        else this.place(frame.ticket);
        return;
      case "mention":
        this.noticeMention(frame);
        return;
      case "resync":
        this.rev = frame.rev;
        void this.load();
        return;
      case "error":
        if (frame.code === "unauthorized") void api.me().catch(() => undefined);
        return;
    }
  }

  private matches(ticket: TicketT): boolean {
    const { view, status, assignee, channel } = this.filters;
    if (channel !== "all" && ticket.channel !== channel) return false;
    if (this.filters.label && !hasLabel(ticket, this.filters.label)) return false;
    // Whether a note mentions the agent is not in the frame: the list (reloaded on each mention) knows.
    if (view === "mentions") return this.tickets.some((listed) => listed.id === ticket.id);
    if (view === "ai" || ticket.handledByAi) return view === "ai" && ticket.handledByAi;
    if (ticket.status !== status) return false;
    if (assignee === "me") return ticket.assigneeId === this.agent.id;
    if (assignee === "unassigned") return ticket.assigneeId === null;
    return true;
  }

  /**
   * Puts a ticket's newest state where the list's order says, or takes it out when it no longer
   * matches the filters. Past the end of a partly loaded list it waits for the next page.
   */
  private place(ticket: TicketT): void {
    const rest = this.tickets.filter((t) => t.id !== ticket.id);
    const last = rest.at(-1);
    const inLoadedRange = this.nextCursor === null || (last !== undefined && listOrder(ticket, last) < 0);
    if (this.matches(ticket) && inLoadedRange) {
      const at = rest.findIndex((t) => listOrder(ticket, t) < 0);
      rest.splice(at === -1 ? rest.length : at, 0, ticket);
    }
    this.tickets = rest;
  }

  /** A teammate mentioned this agent in a note: the Mentions view shows it, and the notifications tell. */
  private noticeMention({ ticketId }: MentionFrame): void {
    if (this.filters.view === "mentions") void this.load();
    else this.unseenMentions++;
    const customer = this.tickets.find((ticket) => ticket.id === ticketId)?.customerName;
    notifier.notify({
      title: "You were mentioned in a note",
      body: customer ? `In the conversation with ${customer}` : "A teammate mentioned you",
      tag: `mention:${ticketId}`,
      onOpen: () => router.go(ticketPath(ticketId)),
    });
  }

  /** A new ticket or a new customer message: the notifications hear of it. */
  private noticeArrival(ticket: TicketT): void {
    const before = this.seenActivity.get(ticket.id);
    this.seenActivity.set(ticket.id, ticket.lastMessageAt);
    // A conversation the AI agent handles never bothers the team.
    if (ticket.unread && !ticket.handledByAi && ticket.lastMessageAt !== before) this.onArrival({ ticket, isNew: before === undefined });
  }
}

const hasLabel = (ticket: TicketT, name: string) => ticket.labels.some((label) => label.toLowerCase() === name.toLowerCase());
