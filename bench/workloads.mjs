// The workloads of `npm run bench`, the same client code against both servers: paced delivery
// latency (a), one hot conversation (b) and the inbox list (c). a and b also take the servers'
// CPU time per message: the workerd processes' CPU from just before the first send until the
// server is idle again, so deferred work (D1 syncs, broadcasts) counts and set-up does not.
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { BODY, Peer } from "./peer.mjs";

export const WORKLOAD = {
  latencyConversations: 40,
  latencyMessages: 25,
  latencyRounds: 4,
  warmupConversations: 5,
  warmupMessages: 10,
  hotRounds: 3,
  hotWarmup: 200,
  hotMessages: Number(process.env.BENCH_HOT_MESSAGES ?? 2000),
  listWarmup: 20,
  listReps: Number(process.env.BENCH_LIST_REPS ?? 300),
  bodyLength: BODY.length,
};

const HOT_TIMEOUT_MS = 120_000;
// Idle: no CPU at all in a QUIET.windowMs window (/proc counts it in 10 ms ticks), which is long
// enough to take in a ticket's deferred D1 writes (at most one a second per ticket). A looser bar
// would end the window early: a burst's messages reach the search index 200 a second, about 10 ms
// of CPU each second, for seconds after the burst. At most QUIET.deadlineMs of waiting.
export const QUIET = { windowMs: 1000, cpuMs: 10, deadlineMs: 30_000 };

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `target`'s server is idle, or QUIET.deadlineMs; resolves with its CPU time then (ms) and whether it was idle. */
async function untilIdle(target) {
  const deadline = Date.now() + QUIET.deadlineMs;
  let cpu = target.cpuMs();
  for (;;) {
    await sleep(QUIET.windowMs);
    const now = target.cpuMs();
    const idle = now - cpu < QUIET.cpuMs;
    if (idle || Date.now() > deadline) return { cpu: now, idle };
    cpu = now;
  }
}

/**
 * The server CPU time (ms) that `work` costs, from an idle server to an idle server; `idle` false
 * when either end never went idle. `deferredCpuMs`: its part after `work` ended (the work the
 * server put off, such as D1 writes).
 */
async function cpuOf(target, work) {
  const before = await untilIdle(target);
  // bench:profile's CPU profile covers the same window.
  await target.profiler?.start();
  const result = await work();
  const ended = target.cpuMs();
  const after = await untilIdle(target);
  await target.profiler?.stop();
  return { result, cpuMs: after.cpu - before.cpu, deferredCpuMs: after.cpu - ended, idle: before.idle && after.idle };
}

/**
 * A conversation with a customer socket and an agent socket. The customer writes one warm-up
 * message first (a Parley ticket is only visible to agents after the customer's first message),
 * then the agent socket connects.
 */
async function openConversation(target, index, tag) {
  const spec = await target.conversation(index, tag);
  const customer = await new Peer(spec.customerUrl, spec.customerHeaders, `${target.name} customer ${tag}${index}`).open();
  const warmId = `${tag}warm-${index}-${randomBytes(4).toString("hex")}`;
  const ack = customer.wait((f) => f.type === "ack" && f.clientId === warmId, `ack of ${warmId}`, warmId);
  customer.send(warmId);
  await ack;
  const agent = await new Peer(spec.agentUrl, spec.agentHeaders, `${target.name} agent ${tag}${index}`).open();
  return { customer, agent, id: spec.id };
}

/** a. Paced messages in many conversations at once: each sent after the previous one is both acked and delivered to the agent. */
export async function latencyRun(target, round, conversationCount = WORKLOAD.latencyConversations, messageCount = WORKLOAD.latencyMessages) {
  const conversations = await Promise.all(Array.from({ length: conversationCount }, (_, i) => openConversation(target, i, `lat${round}-`)));
  const samples = [];
  /** One conversation's messages, each sent once the previous one is acked and delivered. */
  const pace = async ({ customer, agent }, c) => {
    for (let k = 0; k < messageCount; k++) {
      const clientId = `lat${round}-${c}-${k}-${randomBytes(3).toString("hex")}`;
      const delivered = agent.wait((f) => f.type === "message" && f.clientId === clientId, `delivery of ${clientId}`);
      const acked = customer.wait((f) => f.type === "ack" && f.clientId === clientId, `ack of ${clientId}`, clientId);
      const sentAt = performance.now();
      customer.send(clientId);
      const [{ at }] = await Promise.all([delivered, acked]);
      samples.push(at - sentAt);
    }
  };
  const received = () => conversations.reduce((sum, { customer, agent }) => sum + customer.received + agent.received, 0);
  let receivedBefore = 0;
  const { cpuMs, deferredCpuMs, idle } = await cpuOf(target, () => {
    receivedBefore = received();
    return Promise.all(conversations.map(pace));
  });
  const framesOut = received() - receivedBefore;
  for (const { customer, agent } of conversations) {
    customer.close();
    agent.close();
  }
  return { samples, cpuMs, deferredCpuMs, idle, framesOut, messages: conversationCount * messageCount };
}

/** b. One customer socket sends everything at once; acks must come back in order, one per send. */
async function burst(customer, agent, count, tag) {
  const acks = [];
  let deliveries = 0;
  let lastDeliveredSeq = 0;
  let deliveryOrderOk = true;
  agent.onFrame = (f) => {
    if (f.type === "message" && f.clientId?.startsWith(tag)) {
      deliveries++;
      if (f.seq <= lastDeliveredSeq) deliveryOrderOk = false;
      lastDeliveredSeq = f.seq;
    }
  };
  const done = new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`${customer.name}: only ${acks.length}/${count} acks within ${HOT_TIMEOUT_MS / 1000}s`)), HOT_TIMEOUT_MS);
    customer.onFrame = (f, at) => {
      if (f.type === "ack" && f.clientId.startsWith(tag)) {
        acks.push({ clientId: f.clientId, seq: f.seq, at });
        if (acks.length === count) {
          clearTimeout(timer);
          resolvePromise();
        }
      } else if (f.type === "error") {
        clearTimeout(timer);
        reject(new Error(`${customer.name}: error frame during the burst after ${acks.length} acks: ${JSON.stringify(f)}`));
      }
    };
    customer.onClose = (closed) => (clearTimeout(timer), reject(new Error(`${customer.name}: closed during the burst: ${JSON.stringify(closed)}`)));
  });
  const t0 = performance.now();
  for (let k = 0; k < count; k++) customer.send(`${tag}${k}`);
  const sendLoopMs = performance.now() - t0;
  await done;
  const elapsed = acks.at(-1).at - t0;
  let inOrder = true;
  for (let k = 0; k < acks.length; k++) {
    if (acks[k].clientId !== `${tag}${k}` || (k > 0 && acks[k].seq <= acks[k - 1].seq)) inOrder = false;
  }
  // Deliveries to the agent are not part of the figure, but must all arrive (bounded wait).
  const deadline = Date.now() + 10_000;
  while (deliveries < count && Date.now() < deadline) await sleep(20);
  customer.onFrame = agent.onFrame = null;
  customer.onClose = null;
  return {
    count,
    elapsed,
    msgPerSec: count / (elapsed / 1000),
    inOrder,
    acks: acks.length,
    seqs: [acks[0].seq, acks.at(-1).seq],
    deliveries,
    deliveryOrderOk,
    sendLoopMs,
  };
}

export async function throughputRun(target, round) {
  const { customer, agent } = await openConversation(target, round, "hot");
  await burst(customer, agent, WORKLOAD.hotWarmup, "warmburst-");
  const { result, cpuMs, deferredCpuMs, idle } = await cpuOf(target, () => burst(customer, agent, WORKLOAD.hotMessages, "hot-"));
  customer.close();
  agent.close();
  return { ...result, cpuMs, deferredCpuMs, idle, messages: result.count };
}

/** One timed GET, to the last byte of the body. */
export async function timedGet(target, path) {
  const t0 = performance.now();
  const res = await fetch(`${target.base}${path}`, { headers: target.listHeaders, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`${target.name} GET ${path}: ${res.status} ${text.slice(0, 300)}`);
  return { ms, text };
}

/**
 * c. Sequential GETs of each list page, alternating between the two targets request by request
 * (who goes first alternates too), so that both see the same machine at the same moment.
 */
export async function listRun(targets) {
  const names = Object.keys(targets);
  const variants = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await targets[n].listVariants()])));
  const out = Object.fromEntries(names.map((n) => [n, {}]));
  for (const variant of Object.keys(variants[names[0]])) {
    for (const n of names) out[n][variant] = [];
    for (let i = 0; i < WORKLOAD.listWarmup + WORKLOAD.listReps; i++) {
      for (const n of i % 2 ? [...names].reverse() : names) {
        const { ms, text } = await timedGet(targets[n], variants[n][variant]);
        if (i === 0) {
          const page = JSON.parse(text);
          if (page.tickets.length !== 25) throw new Error(`${n} ${variant}: ${page.tickets.length} tickets, expected 25`);
        }
        if (i >= WORKLOAD.listWarmup) out[n][variant].push(ms);
      }
    }
  }
  return out;
}
