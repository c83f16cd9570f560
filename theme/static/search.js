// archsite search dialog over the sharded index of src/search.rs (docs/templates.md, "Search
// files"). Nothing is fetched before the dialog opens; a query loads the manifest once, the
// chunks holding its words, then the fragments of the top 10 results.
(() => {
  'use strict';
  const indexUrl = document.documentElement.dataset.searchIndex;
  if (!indexUrl || !window.fetch) return;
  const WORD = /[\p{Alphabetic}\p{N}]+/gu; // the indexer's split (char::is_alphanumeric)
  const MAX = 10;
  const cache = new Map();
  let dialog, input, list, status, timer;
  let items = [];
  let active = -1;
  let seq = 0;

  const el = (tag, props) => Object.assign(document.createElement(tag), props);
  const words = (text) => text.toLowerCase().match(WORD) || [];
  const hit = (w, t) => (t.prefix ? w.startsWith(t.w) : w === t.w);
  const hitAny = (w, terms) => terms.some((t) => hit(w.toLowerCase(), t));

  /** Fetches JSON once per URL (a failure is retried next time). */
  const load = (url) => {
    if (!cache.has(url)) {
      cache.set(url, fetch(url).then((r) => {
        if (!r.ok) throw new Error(r.status);
        return r.json();
      }).catch((e) => { cache.delete(url); throw e; }));
    }
    return cache.get(url);
  };

  /** Compares by code point, the order of the index. */
  const cmp = (a, b) => {
    for (let i = 0; i < a.length && i < b.length; i++) {
      const d = a.codePointAt(i) - b.codePointAt(i);
      if (d) return d;
    }
    return a.length - b.length;
  };

  /** Query terms without stop words; the last word is a prefix while it is being typed. */
  const parse = (query, stop) => {
    const all = words(query);
    const typing = /[\p{Alphabetic}\p{N}]$/u.test(query);
    const terms = [];
    all.forEach((w, i) => {
      const prefix = typing && i === all.length - 1;
      if ((prefix || !stop.has(w)) && !terms.some((t) => t.w === w && t.prefix === prefix)) {
        terms.push({ w, prefix });
      }
    });
    return terms;
  };

  /** The chunk holding a term; for a prefix, the first two holding its completions. */
  const chunksFor = (chunks, t) => chunks.filter((c) => (t.prefix
    ? cmp(c.last, t.w) >= 0 && (cmp(c.first, t.w) <= 0 || c.first.startsWith(t.w))
    : cmp(c.first, t.w) <= 0 && cmp(t.w, c.last) <= 0)).slice(0, t.prefix ? 2 : 1);

  /** Best score of each document for a term. Completions of a prefix are rescaled so that their
   * best document scores 0.8 × the best one of the exact word (lists are sorted best first). */
  const termScores = (t, chunks) => {
    const lists = chunks.flatMap((c) => Object.entries(c.terms))
      .filter(([term]) => term === t.w || (t.prefix && term.startsWith(t.w)));
    const best = (postings) => (postings.length ? postings[0][1] : 1);
    const exact = lists.find(([term]) => term === t.w);
    const ref = exact ? best(exact[1]) : Math.max(...lists.map(([, p]) => best(p)));
    const scores = new Map();
    for (const [term, postings] of lists) {
      const weight = term === t.w ? 1 : (0.8 * ref) / best(postings);
      for (const [key, score] of postings) {
        scores.set(key, Math.max(scores.get(key) || 0, score * weight));
      }
    }
    return scores;
  };

  /** Top documents: those with every term, else those with the most terms. */
  const rank = (perTerm) => {
    const docs = new Map();
    perTerm.forEach((scores) => scores.forEach((score, key) => {
      const d = docs.get(key) || docs.set(key, { key, n: 0, score: 0 }).get(key);
      d.n += 1;
      d.score += score;
    }));
    const all = [...docs.values()]
      .sort((a, b) => b.n - a.n || b.score - a.score || (a.key < b.key ? -1 : 1));
    const full = all.filter((d) => d.n === perTerm.length);
    return [(full.length ? full : all).slice(0, MAX), !full.length];
  };

  /** Runs a query and shows its results, unless a newer query started meanwhile. */
  const search = async (query) => {
    const id = ++seq;
    const manifest = await load(indexUrl);
    const terms = parse(query, new Set(manifest.stop));
    const chunks = await Promise.all(terms.map((t) => Promise.all(
      chunksFor(manifest.chunks, t).map((c) => load(c.url)))));
    const [top, partial] = rank(terms.map((t, i) => termScores(t, chunks[i])));
    const frags = await Promise.all(
      top.map((d) => load(`${manifest.fragments}${d.key}.json`).catch(() => null)));
    if (id === seq) render(frags.filter(Boolean), terms, partial, query.trim());
  };

  /** Appends text to a node with the words matching the query in <mark>. */
  const highlight = (node, text, terms) => {
    let last = 0;
    for (const m of text.matchAll(WORD)) {
      if (!hitAny(m[0], terms)) continue;
      node.append(text.slice(last, m.index), el('mark', { textContent: m[0] }));
      last = m.index + m[0].length;
    }
    node.append(text.slice(last));
    return node;
  };

  /** About 200 characters of text around its first match. */
  const excerpt = (text, terms) => {
    const m = [...text.matchAll(WORD)].find((x) => hitAny(x[0], terms));
    const at = m ? m.index : 0;
    let start = at > 60 ? Math.min(text.indexOf(' ', at - 60) + 1, at) : 0;
    let end = start + 200;
    if (end < text.length) end = Math.max(text.lastIndexOf(' ', end), at + 1);
    return (start ? '… ' : '') + text.slice(start, end) + (end < text.length ? ' …' : '');
  };

  /** Shows the fragments as options, linking to the first heading holding every term. */
  const render = (frags, terms, partial, query) => {
    items = frags.map((f, i) => {
      const h = (f.headings || []).find((x) => terms.every((t) => words(x.title).some((w) => hit(w, t))));
      const title = highlight(el('span', { className: 'search-title' }), f.title, terms);
      if (h) title.append(' › ', highlight(el('span'), h.title, terms));
      const link = el('a', { href: h ? `${f.url}#${encodeURIComponent(h.id)}` : f.url, tabIndex: -1 });
      link.append(title, highlight(el('span', { className: 'search-excerpt' }), excerpt(f.text, terms), terms));
      const item = el('li', { id: `search-result-${i}`, className: 'search-result' });
      item.setAttribute('role', 'option');
      item.append(link);
      return item;
    });
    list.replaceChildren(...items);
    select(items.length ? 0 : -1);
    input.setAttribute('aria-expanded', items.length > 0);
    const n = items.length;
    status.textContent = !query ? '' : !n ? `No results for “${query}”.`
      : partial ? 'No page has every word. Closest matches:'
        : `${n}${n === MAX ? '+' : ''} result${n === 1 ? '' : 's'}`;
  };

  /** Makes option i the active one (-1: none). */
  const select = (i) => {
    active = i;
    items.forEach((item, j) => item.setAttribute('aria-selected', j === i));
    if (i < 0) {
      input.removeAttribute('aria-activedescendant');
    } else {
      input.setAttribute('aria-activedescendant', items[i].id);
      items[i].scrollIntoView({ block: 'nearest' });
    }
  };

  /** Searches for the input's value now. */
  const run = async () => {
    clearTimeout(timer);
    timer = 0;
    if (!input.value.trim()) {
      seq += 1;
      return render([], [], false, '');
    }
    return search(input.value).catch(() => { status.textContent = 'Search is unavailable.'; });
  };

  /** Arrows move the selection, Enter opens it, Escape closes. */
  const onKey = async (e) => {
    const n = items.length;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (n) select((active + (e.key === 'ArrowDown' ? 1 : n - 1)) % n);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      dialog.close();
    } else if (e.key === 'Enter') {
      e.preventDefault();
      if (timer) await run();
      const item = items[active] || items[0];
      if (item) {
        dialog.close();
        window.location.href = item.firstChild.href;
      }
    }
  };

  /** Builds the dialog on first use (static markup only: page text never goes in innerHTML). */
  const create = () => {
    dialog = el('dialog', { className: 'search-dialog' });
    dialog.setAttribute('aria-label', 'Search');
    dialog.innerHTML = '<div class="search-box"><div class="search-bar">'
      + '<label for="search-input" class="search-label">Search</label>'
      + '<input id="search-input" type="search" placeholder="Search…" autocomplete="off"'
      + ' spellcheck="false" role="combobox" aria-autocomplete="list" aria-expanded="false"'
      + ' aria-controls="search-results">'
      + '<button type="button" class="search-close" aria-label="Close search">Esc</button></div>'
      + '<p class="search-status" role="status"></p>'
      + '<ul id="search-results" class="search-results" role="listbox" aria-label="Results"></ul>'
      + '</div>';
    document.body.append(dialog);
    [input, status, list] = ['input', '.search-status', 'ul'].map((s) => dialog.querySelector(s));
    input.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(run, 100);
    });
    input.addEventListener('keydown', onKey);
    dialog.addEventListener('click', (e) => {
      if (e.target === dialog || e.target.closest('a, .search-close')) dialog.close();
    });
  };

  /** Opens the dialog with the input focused, and starts loading the manifest. */
  const open = () => {
    if (!dialog) create();
    if (!dialog.open) dialog.showModal();
    input.focus();
    input.select();
    load(indexUrl).catch(() => {});
  };

  document.addEventListener('keydown', (e) => {
    const t = e.target;
    const typing = t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName);
    const mod = e.ctrlKey || e.metaKey;
    if ((mod && !e.altKey && /^k$/i.test(e.key)) || (e.key === '/' && !mod && !e.altKey && !typing)) {
      e.preventDefault();
      open();
    }
  });
  const bind = () => {
    const button = document.getElementById('search-button');
    if (!button) return;
    button.hidden = false;
    button.setAttribute('aria-haspopup', 'dialog');
    button.addEventListener('click', open);
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', bind);
  else bind();
})();
