// What reports read of a ticket (spec v2 "Reports"), derived from its log when D1 is written, never
// on a message's path: when the customer first wrote, the first agent reply after that and whose
// it was, the close, and each agent's replies. Bot and automatic replies are not an agent's.
import type { ReportFacts } from "../../worker/lib/tickets";
import type { ConversationCore } from "./core";

type FirstReply = { at: number; agentId: string | null };

const seconds = (ms: number) => Math.round(ms / 1000);

export class ReportFactsOfLog {
  /** Once found, the first customer message and the first reply never change. */
  private firstCustomer: { seq: number; at: number } | null = null;
  private firstReply: FirstReply | null = null;
  /** The replies counted up to the log's last agent message, recounted only when another comes. */
  private replies: { upToSeq: number; byAgent: Record<string, number> } | null = null;

  constructor(private readonly core: ConversationCore) {}

  current(): ReportFacts {
    const state = this.core.state!;
    const first = this.customerStart();
    const reply = first === null ? null : this.replyAfter(first.seq);
    return {
      startedAt: first === null ? null : Math.floor(first.at / 1000),
      firstResponseSeconds: reply ? seconds(reply.at - first!.at) : null,
      firstResponderId: reply?.agentId ?? null,
      resolutionSeconds: first !== null && state.closedAt ? Math.max(0, seconds(Date.parse(state.closedAt) - first.at)) : null,
      agentReplies: this.repliesByAgent(),
    };
  }

  private customerStart(): { seq: number; at: number } | null {
    if (this.firstCustomer === null && this.core.log.lastCustomerSeq > 0) {
      const row = this.core.sql
        .exec<{ seq: number; created_at: string }>("SELECT seq, created_at FROM messages WHERE author_kind = 'customer' ORDER BY seq LIMIT 1")
        .toArray()[0];
      if (row) this.firstCustomer = { seq: row.seq, at: Date.parse(row.created_at) };
    }
    return this.firstCustomer;
  }

  private replyAfter(customerSeq: number): FirstReply | null {
    if (this.firstReply === null && this.core.log.lastAgentSeq > customerSeq) {
      const row = this.core.sql
        .exec<{ author_id: string | null; created_at: string }>(
          "SELECT author_id, created_at FROM messages WHERE author_kind = 'agent' AND seq > ? ORDER BY seq LIMIT 1",
          customerSeq,
        )
        .toArray()[0];
      if (row) this.firstReply = { at: Date.parse(row.created_at), agentId: row.author_id };
    }
    return this.firstReply;
  }

  private repliesByAgent(): Record<string, number> {
    const lastAgentSeq = this.core.log.lastAgentSeq;
    if (lastAgentSeq === 0) return {};
    if (this.replies?.upToSeq !== lastAgentSeq) {
      const byAgent: Record<string, number> = {};
      const rows = this.core.sql.exec<{ author_id: string; n: number }>(
        "SELECT author_id, count(*) AS n FROM messages WHERE author_kind = 'agent' AND author_id IS NOT NULL GROUP BY author_id",
      );
      for (const row of rows) byAgent[row.author_id] = row.n;
      this.replies = { upToSeq: lastAgentSeq, byAgent };
    }
    return this.replies.byAgent;
  }
}
