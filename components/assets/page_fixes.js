// The app's own script in every page (see components/page_fixes.py).
//
// A select box's list is a non-modal pop-over that closes as soon as anything around the
// box scrolls. A click on a box that is partly out of view (or while the page still glides
// after the mouse wheel) scrolls the page to show it, and that scroll arrives just after the
// click has opened the list: the list shut again at once, so a select box low on a long page
// opened only by typing or the down arrow. A scroll that starts within a moment of pressing
// on a select box no longer reaches the pop-over's "close on scroll" (the list follows the
// box as it moves); any later scroll closes it as before.
(() => {
  if (window.__ntpPageFixes) return;
  window.__ntpPageFixes = true;
  const SELECTS = "[data-testid='stSelectbox'], [data-testid='stMultiSelect']";
  const GRACE_MS = 600;
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
