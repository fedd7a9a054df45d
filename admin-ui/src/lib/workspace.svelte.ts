// Everything one signed-in agent's inbox shares: the live list, the team (for assignment) and
// the macros. Made when the agent signs in, stopped when they leave; components reach it through
// Svelte context.
import { getContext, setContext } from "svelte";
import type { AgentT, MacroT } from "../../../contract";
import { api } from "./api";
import { InboxStore } from "./inbox.svelte";
import { notifier } from "./notify.svelte";
import { router, ticketPath } from "./router.svelte";

export class Workspace {
  readonly inbox: InboxStore;
  agents = $state<AgentT[]>([]);
  macros = $state<MacroT[]>([]);

  constructor(readonly agent: AgentT) {
    this.inbox = new InboxStore(agent, ({ ticket, isNew }) =>
      notifier.notify({
        title: isNew ? `New conversation from ${ticket.customerName ?? "a customer"}` : `${ticket.customerName ?? "A customer"} wrote`,
        body: ticket.preview ?? "",
        tag: ticket.id,
        onOpen: () => router.go(ticketPath(ticket.id)),
      }),
    );
  }

  start(): void {
    this.inbox.start();
    void this.refreshTeam();
    void this.refreshMacros();
  }

  stop(): void {
    this.inbox.stop();
  }

  agentName(id: string | null): string {
    if (id === null) return "Unassigned";
    return this.agents.find((agent) => agent.id === id)?.name ?? "Someone";
  }

  async refreshTeam(): Promise<void> {
    this.agents = await api.agents().catch(() => this.agents);
  }

  async refreshMacros(): Promise<void> {
    this.macros = await api.macros().catch(() => this.macros);
  }
}

const KEY = Symbol("workspace");
export const provideWorkspace = (workspace: Workspace) => setContext(KEY, workspace);
export const useWorkspace = () => getContext<Workspace>(KEY);
