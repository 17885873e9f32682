"""A page's layout as a user sees it, measured in the browser: nothing wider than the
screen, and no two visible things on top of each other. Shared by the action page's and the
build index's tests (Debian's Chromium through Playwright)."""

from __future__ import annotations

from typing import Any

#: Runs in the page; returns every problem found, as text (empty: the layout holds).
#: "Things" are controls (inputs, selects, buttons, links) and every element that holds
#: text of its own; each is measured by its client rects (one per line of an inline),
#: and compared with every thing that is neither inside it nor around it.
LAYOUT_CHECK = r"""
(tolerance) => {
  // As the page first shows: scrolled to the top (a sticky bar covers what scrolls under
  // it by design), nothing focused.
  window.scrollTo(0, 0);
  if (document.activeElement) document.activeElement.blur();
  const vw = document.documentElement.clientWidth;
  const problems = [];
  const doc = document.documentElement.scrollWidth;
  if (doc > vw) problems.push(`document is ${doc}px wide in a ${vw}px viewport`);
  const name = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    if (el.classList.length) s += '.' + [...el.classList].join('.');
    const text = (el.innerText || el.value || '').trim().slice(0, 40);
    return text ? `${s} "${text}"` : s;
  };
  const visible = (el) => {
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'contents') return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const exempt = (el) => el.closest('.skip, .offscreen, option, script, style, head');
  const controls = 'input, select, textarea, button, a, img, summary';
  const things = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (exempt(el) || !visible(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.left < -tolerance || r.right > vw + tolerance) {
      problems.push(`${name(el)} spans ${Math.round(r.left)}..${Math.round(r.right)}px, ` +
                    `outside the ${vw}px viewport`);
    }
    const ownText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (el.matches(controls) || ownText) {
      const rects = el.matches(controls) && !el.matches('a')
        ? [r] : [...el.getClientRects()].filter((c) => c.width > 0 && c.height > 0);
      if (ownText && !el.matches(controls)) {
        // An element with text of its own: measure the text itself (its lines), not the
        // box around it, which holds its children too.
        rects.length = 0;
        for (const n of el.childNodes) {
          if (n.nodeType !== 3 || !n.textContent.trim()) continue;
          const range = document.createRange();
          range.selectNodeContents(n);
          for (const c of range.getClientRects()) if (c.width > 0 && c.height > 0) rects.push(c);
        }
      }
      things.push({ el, rects });
    }
  }
  const overlap = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > tolerance &&
    Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > tolerance;
  for (let i = 0; i < things.length; i++) {
    for (let j = i + 1; j < things.length; j++) {
      const a = things[i], b = things[j];
      if (a.el.contains(b.el) || b.el.contains(a.el)) continue;
      if (a.rects.some((ra) => b.rects.some((rb) => overlap(ra, rb)))) {
        problems.push(`${name(a.el)} overlaps ${name(b.el)}`);
      }
    }
  }
  return problems;
}
"""


def layout_problems(page: Any, tolerance: float = 1.0) -> list[str]:
    """Every layout problem on ``page`` as it is now (empty: it holds)."""
    problems: list[str] = page.evaluate(LAYOUT_CHECK, tolerance)
    return problems
