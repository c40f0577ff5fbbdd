// The app's own script in every page (see components/page_fixes.py).
//
// A select box's list is a non-modal pop-over that closes as soon as anything around the
// box scrolls. A click on a box that is partly out of view (or while the page still glides
// after the mouse wheel) scrolls the page to show it, and that scroll arrives just after the
// click has opened the list: the list shut again at once, so a select box low on a long page
// opened only by typing or the down arrow. A scroll that starts within a second of pressing
// on a select box no longer reaches the pop-over's "close on scroll" (the list follows the
// box as it moves); any later scroll closes it as before.
(() => {
  if (window.__ntpPageFixes) return;
  window.__ntpPageFixes = true;
  const SELECTS = "[data-testid='stSelectbox'], [data-testid='stMultiSelect']";
  const GRACE_MS = 1000;
  let pressedUntil = 0;
  document.addEventListener(
    "pointerdown",
    (event) => {
      const target = event.target;
      if (target instanceof Element && target.closest(SELECTS)) {
        pressedUntil = performance.now() + GRACE_MS;
      }
    },
    true,
  );
  window.addEventListener(
    "scroll",
    (event) => {
      if (performance.now() < pressedUntil) event.stopImmediatePropagation();
    },
    true,
  );
})();

// Streamlit's own interface words in the reader's language (see components/page_fixes.py):
// whole texts and placeholder / screen-reader labels, never inside Markdown (the app's and
// the users' texts), replaced as Streamlit draws them.
(() => {
  if (window.__ntpWords) return;
  let rules = [];
  const ATTRS = ["placeholder", "aria-label", "title"];
  const SKIP = "[data-testid='stMarkdownContainer'], [data-testid='stCode'], textarea";
  // (the file uploader's button label is Streamlit's, drawn as Markdown)
  const OWN = "[data-testid='stFileUploaderDropzone']";
  const skipped = (el) => !el.closest(OWN) && !!el.closest(SKIP);
  const say = (text) => {
    if (!text) return null;
    const trimmed = text.trim();
    for (const [re, to] of rules) {
      const m = re.exec(trimmed);
      // (as functions: a "$&" or "$'" in the text, e.g. a typed address, stays as it is)
      if (m) return text.replace(trimmed, () => to.replace("{1}", () => m[1] ?? ""));
    }
    return null;
  };
  const fixNode = (node) => {
    if (node.nodeType === Node.TEXT_NODE) {
      const parent = node.parentElement;
      if (!parent || skipped(parent)) return;
      const to = say(node.nodeValue);
      if (to !== null && to !== node.nodeValue) node.nodeValue = to;
      return;
    }
    if (node.nodeType !== Node.ELEMENT_NODE || skipped(node)) return;
    for (const a of ATTRS) {
      const to = say(node.getAttribute(a));
      if (to !== null && to !== node.getAttribute(a)) node.setAttribute(a, to);
    }
  };
  const fixTree = (root) => {
    fixNode(root);
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
    let n;
    while ((n = walker.nextNode())) fixNode(n);
  };
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === "childList") r.addedNodes.forEach(fixTree);
      else fixNode(r.target);
    }
  }).observe(document.body, {
    subtree: true,
    childList: true,
    characterData: true,
    attributes: true,
    attributeFilter: ATTRS,
  });
  window.__ntpWords = (pairs) => {
    rules = pairs.map(([pattern, to]) => [new RegExp("^(?:" + pattern + ")$"), to]);
    fixTree(document.body);
  };
})();
