// Keeps a conversation's scroller at its newest message while the reader is there: a new message,
// and anything that grows after it was drawn (an image that finishes loading), scrolls into
// view. A reader who scrolled up to read stays where they are until they come back down.
const NEAR_BOTTOM_PX = 40;

/** Follows `scroller`'s bottom from now on (starting there); the returned function stops it. */
export function followBottom(scroller: HTMLElement): () => void {
  let pinned = true;
  // Without this, the browser's scroll anchoring answers an image growing above the reader by
  // scrolling, and that scroll would read as the reader leaving the bottom.
  scroller.style.overflowAnchor = "none";
  const toBottom = () => {
    if (pinned) scroller.scrollTop = scroller.scrollHeight;
  };
  const nearBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight <= NEAR_BOTTOM_PX;
  let lastTop = scroller.scrollTop;
  // Only moving up leaves the bottom: a scroll event that arrives after more content has grown
  // below would otherwise read as the reader leaving it.
  const onScroll = () => {
    const top = scroller.scrollTop;
    if (top < lastTop || nearBottom()) pinned = nearBottom();
    lastTop = top;
  };
  // The scroller keeps its size while its content grows: watch what is inside it.
  const resized = new ResizeObserver(toBottom);
  const watch = (nodes: Iterable<Node>) => {
    for (const node of nodes) if (node instanceof Element) resized.observe(node);
  };
  const added = new MutationObserver((changes) => {
    for (const change of changes) watch(change.addedNodes);
    toBottom();
  });
  watch(scroller.children);
  added.observe(scroller, { childList: true });
  scroller.addEventListener("scroll", onScroll, { passive: true });
  toBottom();
  return () => {
    resized.disconnect();
    added.disconnect();
    scroller.removeEventListener("scroll", onScroll);
  };
}
