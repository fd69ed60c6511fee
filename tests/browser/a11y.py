"""Accessibility checks run inside the page (landmarks, names of charts, headings, contrast)."""

from __future__ import annotations

from typing import Any

#: JavaScript returning the facts a test asserts on; contrast per WCAG 2 relative luminance,
#: the background found by walking up to the first opaque ancestor.
AUDIT_JS = r"""
() => {
  const lum = (rgb) => {
    const [r, g, b] = rgb.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const parse = (c) => (c.match(/[\d.]+/g) || []).map(Number);
  const bg = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) return c;
    }
    return [255, 255, 255];
  };
  const low = [];
  let min = 99;
  for (const el of document.querySelectorAll('p, li, td, th, a, caption, summary, label, figcaption, dd, dt, span, strong, h1, h2, h3')) {
    if (!el.offsetParent || !el.textContent.trim()) continue;
    if (el.closest('.visually-hidden')) continue;
    const fg = parse(getComputedStyle(el).color), b = bg(el);
    const [l1, l2] = [lum(fg), lum(b)].sort((x, y) => y - x);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    min = Math.min(min, ratio);
    if (ratio < 4.5) low.push(el.tagName + ' ' + el.className + ': ' + el.textContent.trim().slice(0, 40) + ' ' + ratio.toFixed(2));
  }
  const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map(h => Number(h.tagName[1]));
  return {
    lang: document.documentElement.lang,
    mains: document.querySelectorAll('main').length,
    navs: document.querySelectorAll('nav').length,
    imgs_without_alt: [...document.querySelectorAll('img')].filter(i => !(i.getAttribute('alt') || '').trim()).length,
    imgs_not_loaded: [...document.querySelectorAll('img')].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src),
    svgs_without_title: [...document.querySelectorAll('main svg')].filter(s => !s.querySelector('title') && !s.getAttribute('aria-label')).length,
    charts_without_table: [...document.querySelectorAll('figure.chart')].filter(f => f.querySelector('img') && !f.querySelector('table')).length,
    headings, min_contrast: min, low_contrast: low.slice(0, 10),
  };
}
"""


def check(page: Any) -> dict[str, Any]:
    """The facts, asserted: one main, a nav, lang, named charts with tables, heading order,
    contrast at least 4.5:1 for every visible text."""
    facts = page.evaluate(AUDIT_JS)
    assert facts["lang"] == "en"
    assert facts["mains"] == 1 and facts["navs"] >= 1
    assert facts["imgs_without_alt"] == 0 and facts["svgs_without_title"] == 0
    assert facts["imgs_not_loaded"] == []
    assert facts["charts_without_table"] == 0
    h = facts["headings"]
    assert h and h[0] == 1 and h.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(h, h[1:], strict=False)), h  # no level skipped going down
    assert facts["min_contrast"] >= 4.5, facts["low_contrast"]
    return facts
