// Keeps a conversation's scroller at its newest message while the reader is there: a new message,
// and anything that grows after it was drawn (an image that finishes loading), scrolls into
// view. A reader who scrolled up to read stays where they are until they come back down.
const NEAR_BOTTOM_PX = 40;

/** Follows `scroller`'s bottom from now on (starting there); the returned function stops it. */
export function followBottom(scroller: HTMLElement): () => void {
  let pinned = true;
  let lastTop = scroller.scrollTop;
  // Without this, the browser's scroll anchoring answers an image growing above the reader by
  // scrolling, which would look like the reader moving.
  scroller.style.overflowAnchor = "none";
  const nearBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight <= NEAR_BOTTOM_PX;
  /**
   * Only moving up leaves the bottom, and only reaching it again comes back: content growing
   * below never moves scrollTop, so it is not taken for the reader leaving. Checked on every
   * scroll and before following, since a scroll event may still be on its way.
   */
  const notice = () => {
    const top = scroller.scrollTop;
    if (top < lastTop || nearBottom()) pinned = nearBottom();
    lastTop = top;
  };
  const follow = () => {
    notice();
    if (!pinned) return;
    scroller.scrollTop = scroller.scrollHeight;
    lastTop = scroller.scrollTop;
  };
  // The scroller keeps its size while its content grows: watch what is inside it.
  const resized = new ResizeObserver(follow);
  const watch = (nodes: Iterable<Node>) => {
    for (const node of nodes) if (node instanceof Element) resized.observe(node);
  };
  const added = new MutationObserver((changes) => {
    for (const change of changes) watch(change.addedNodes);
    follow();
  });
  watch(scroller.children);
  added.observe(scroller, { childList: true });
  scroller.addEventListener("scroll", notice, { passive: true });
  follow();
  return () => {
    resized.disconnect();
    added.disconnect();
    scroller.removeEventListener("scroll", notice);
  };
}
