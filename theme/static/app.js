/* archsite theme: theme toggle, mobile menu, lazy sidebar, TOC scroll-spy, copy buttons.
   Every page works without this file. */
(() => {
  "use strict";
  const d = document, root = d.documentElement, KEY = "archsite-theme";
  const $ = (s, c) => (c || d).querySelector(s);
  const $$ = (s, c) => Array.from((c || d).querySelectorAll(s));
  const mm = (q) => matchMedia(q);

  // Live region for short announcements ("Copied").
  const live = d.createElement("div");
  live.className = "sr-only";
  live.setAttribute("aria-live", "polite");
  d.body.appendChild(live);
  const announce = (msg) => { live.textContent = ""; setTimeout(() => (live.textContent = msg), 50); };

  // Light/dark toggle. The inline script in <head> already set data-theme before first paint.
  const toggle = $("#theme-toggle");
  const dark = mm("(prefers-color-scheme: dark)");
  const stored = () => { try { return localStorage.getItem(KEY); } catch (e) { return null; } };
  const setTheme = (t, save) => {
    root.setAttribute("data-theme", t);
    if (toggle) toggle.setAttribute("aria-pressed", t === "dark" ? "true" : "false");
    if (save) { try { localStorage.setItem(KEY, t); } catch (e) { /* storage off */ } }
  };
  setTheme(root.getAttribute("data-theme") || (dark.matches ? "dark" : "light"));
  if (toggle) toggle.addEventListener("click", () => setTheme(root.getAttribute("data-theme") === "dark" ? "light" : "dark", true));
  dark.addEventListener("change", (e) => { if (!stored()) setTheme(e.matches ? "dark" : "light"); });
  addEventListener("storage", (e) => { if (e.key === KEY && (e.newValue === "dark" || e.newValue === "light")) setTheme(e.newValue); });

  // Mobile menu: the sidebar becomes a drawer below 48rem.
  const menu = $("#menu-button"), side = $("#sidebar");
  const isOpen = () => root.classList.contains("nav-open");
  const setMenu = (open, refocus) => {
    if (!menu || !side) return;
    root.classList.toggle("nav-open", open);
    menu.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      const a = $("a[aria-current='page']", side) || $("a", side);
      if (a) { a.focus({ preventScroll: true }); a.scrollIntoView({ block: "center" }); }
    } else if (refocus) menu.focus();
  };
  if (menu && side) {
    menu.addEventListener("click", () => setMenu(!isOpen()));
    d.addEventListener("keydown", (e) => { if (e.key === "Escape" && isOpen()) setMenu(false, true); });
    d.addEventListener("click", (e) => { if (isOpen() && !side.contains(e.target) && !menu.contains(e.target)) setMenu(false); });
    side.addEventListener("click", (e) => { if (e.target.closest("a") && isOpen()) setMenu(false); });
    mm("(min-width: 48.01rem)").addEventListener("change", (e) => { if (e.matches) setMenu(false); });
  }

  // Sidebar: keep the current page in view, fill other sections from the nav JSON when opened.
  if (side) {
    const inner = $(".sidebar-inner", side), cur = $(".nav-pages a[aria-current='page']", side);
    if (inner && cur) {
      const r = cur.getBoundingClientRect(), ir = inner.getBoundingClientRect();
      if (r.bottom > ir.bottom - 40) inner.scrollTop += r.top - ir.top - inner.clientHeight / 2;
    }
    // Closed sections arrive as plain links; give each an expander like the open one's.
    $$(".nav-section[data-count]", side).forEach((li) => {
      const link = $(".nav-section-link", li), n = +li.dataset.count;
      if (!link) return;
      const det = d.createElement("details"), sum = d.createElement("summary"), sr = d.createElement("span");
      const ul = d.createElement("ul"), more = d.createElement("li"), a = d.createElement("a");
      det.className = "nav-details";
      det.dataset.url = link.getAttribute("href");
      sr.className = "sr-only";
      sr.textContent = link.textContent + ": pages";
      sum.appendChild(sr);
      ul.className = "nav-pages";
      more.className = "nav-more";
      a.href = link.getAttribute("href");
      a.textContent = "All " + n + " page" + (n === 1 ? "" : "s");
      more.appendChild(a);
      ul.appendChild(more);
      det.append(sum, ul);
      li.appendChild(det);
    });
    let tree = null;
    const load = () => tree || (tree = fetch(side.dataset.nav).then((r) => (r.ok ? r.json() : Promise.reject(r.status))));
    $$(".nav-details", side).forEach((det) => det.addEventListener("toggle", () => {
      if (!det.open || !$(".nav-more", det) || !side.dataset.nav) return;
      load().then((sections) => {
        const sec = sections.find((s) => s.url === det.dataset.url);
        if (!sec || !(sec.pages || []).length) return;
        const ul = $(".nav-pages", det);
        ul.textContent = "";
        sec.pages.forEach((p) => {
          const li = d.createElement("li"), a = d.createElement("a");
          a.href = p.url;
          a.textContent = p.title;
          if (p.url === location.pathname) a.setAttribute("aria-current", "page");
          li.appendChild(a);
          ul.appendChild(li);
        });
      }).catch(() => (tree = null));
    }));
  }

  // On-page TOC: collapsed above the content on narrower screens, scroll-spy everywhere.
  const toc = $(".toc");
  if (toc) {
    const box = $(".toc-box", toc);
    if (box && mm("(max-width: 75rem)").matches) box.open = false;
    const links = $$("a[href^='#']", toc);
    const heads = [];
    links.forEach((a) => {
      let id = a.getAttribute("href").slice(1);
      try { id = decodeURIComponent(id); } catch (e) { /* keep raw */ }
      const h = d.getElementById(id);
      if (h) heads.push([h, a]);
    });
    let current = null;
    const mark = (a) => {
      if (a === current) return;
      if (current) { current.className = ""; current.removeAttribute("aria-current"); }
      current = a;
      if (a) { a.className = "active"; a.setAttribute("aria-current", "true"); }
    };
    // A heading is current once its top passes a line just below the header.
    const line = ($(".site-header") || root).offsetHeight + Math.min(120, innerHeight / 4);
    const update = () => {
      let active = null;
      if (innerHeight + scrollY >= root.scrollHeight - 4) active = heads.length ? heads[heads.length - 1][1] : null;
      else for (const [h, a] of heads) { if (h.getBoundingClientRect().top <= line) active = a; else break; }
      mark(active);
    };
    if (heads.length && "IntersectionObserver" in window) {
      const io = new IntersectionObserver(update, { rootMargin: `-${line}px 0px 0px 0px` });
      heads.forEach(([h]) => io.observe(h));
      const end = $(".doc-footer") || $(".site-footer");
      if (end) io.observe(end);
      addEventListener("scrollend", update);
      update();
    }
    links.forEach((a) => a.addEventListener("click", () => {
      if (box && mm("(max-width: 75rem)").matches) box.open = false;
      setTimeout(() => mark(a), 60);
    }));
  }

  // Code blocks get a copy button.
  const fallbackCopy = (text) => {
    const t = d.createElement("textarea");
    t.value = text;
    t.style.cssText = "position:fixed;top:0;opacity:0";
    d.body.appendChild(t);
    t.select();
    let ok = false;
    try { ok = d.execCommand("copy"); } catch (e) { /* unsupported */ }
    t.remove();
    return ok ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  };
  const copy = (text) => (navigator.clipboard && isSecureContext
    ? navigator.clipboard.writeText(text).catch(() => fallbackCopy(text))
    : fallbackCopy(text));
  $$("main pre").forEach((pre) => {
    const code = $("code", pre) || pre;
    const wrap = d.createElement("div");
    wrap.className = "code-block";
    pre.parentNode.insertBefore(wrap, pre);
    wrap.appendChild(pre);
    const b = d.createElement("button");
    b.type = "button";
    b.className = "copy-button";
    b.textContent = "Copy";
    let timer = 0;
    b.addEventListener("click", () => {
      const done = (ok) => {
        b.textContent = ok ? "Copied" : "Copy failed";
        b.classList.toggle("copied", ok);
        announce(ok ? "Copied" : "Copy failed");
        clearTimeout(timer);
        timer = setTimeout(() => { b.textContent = "Copy"; b.classList.remove("copied"); }, 2000);
      };
      copy(code.innerText.replace(/\n$/, "")).then(() => done(true), () => done(false));
    });
    wrap.appendChild(b);
  });
  // Task-list checkboxes from markdown have no label of their own.
  $$("main li > input[type='checkbox']").forEach((c) => {
    if (!c.labels.length && !c.hasAttribute("aria-label")) c.setAttribute("aria-label", c.checked ? "Done" : "Not done");
  });
  // Blocks that scroll must be reachable with the keyboard.
  const focusable = () => $$("main pre, main .table-wrap").forEach((el) => {
    if (!el.hasAttribute("tabindex") && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)) el.tabIndex = 0;
  });
  focusable();
  let rt = 0;
  addEventListener("resize", () => { clearTimeout(rt); rt = setTimeout(focusable, 200); });
})();
