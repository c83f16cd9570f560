// archsite dev server: live reload, stylesheet hot swap and the build error overlay.
// Injected by `archsite serve` into every HTML response; never part of `archsite build` output.
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || window.__archsiteLive || !window.EventSource) return;
  var live = (window.__archsiteLive = {
    build: me.getAttribute("data-build"),
    page: me.getAttribute("data-page"),
    connected: false,
  });
  var always = me.hasAttribute("data-always-reload");
  var endpoint = me.getAttribute("data-events") || "/__archsite/events";
  var ID = "archsite-error-overlay";
  // Files a page may use: a change to one of them reloads every open page.
  var USED = /\.(css|js|mjs|png|jpe?g|gif|svg|webp|avif|ico|bmp|woff2?|ttf|otf|mp4|webm|ogg|mp3|wav|wasm)$/i;
  var source = null;
  var dismissed = null;
  var lastFocus = null;

  function parse(text) {
    try { return JSON.parse(text); } catch (e) { return {}; }
  }

  function affected(changed) {
    if (always || !changed) return true;
    for (var i = 0; i < changed.length; i++) {
      if (changed[i] === live.page || USED.test(changed[i])) return true;
    }
    return false;
  }

  // --- Error overlay -------------------------------------------------------------------------
  function el(tag, css, text) {
    var e = document.createElement(tag);
    e.style.cssText = css;
    if (text) e.textContent = text;
    return e;
  }

  function showError(err) {
    var text = (err && err.message) || "The build failed.";
    if (dismissed === text) return;
    var box = document.getElementById(ID);
    if (!box) {
      // `all:initial` keeps the site's own styles out of the overlay (inline styles win over
      // any stylesheet rule that is not !important); the button keeps the browser's focus ring.
      var reset = "all:initial;box-sizing:border-box;";
      box = el("section", reset + "display:block;position:fixed;z-index:2147483647;left:0;right:0;bottom:0;" +
        "max-height:60vh;overflow:auto;margin:0;padding:14px 20px 18px;background:#18181b;color:#fafafa;" +
        "border-top:4px solid #e5484d;box-shadow:0 -6px 24px rgba(0,0,0,.35);font:15px/1.5 system-ui,sans-serif;text-align:left");
      box.id = ID;
      box.setAttribute("role", "alertdialog");
      box.setAttribute("aria-modal", "false");
      box.setAttribute("aria-labelledby", ID + "-title");
      box.setAttribute("aria-describedby", ID + "-text");
      var head = el("div", reset + "display:flex;align-items:center;justify-content:space-between;gap:12px");
      var title = el("h2", reset + "display:block;margin:0;font:700 17px/1.3 system-ui,sans-serif;color:#ff9592", "Build failed");
      title.id = ID + "-title";
      var close = el("button", "margin:0;font:14px/1.4 system-ui,sans-serif;cursor:pointer;padding:4px 12px;" +
        "border:1px solid #a1a1aa;border-radius:6px;background:#27272a;color:#fafafa;box-shadow:none;" +
        "text-transform:none;letter-spacing:normal;width:auto;height:auto", "Dismiss");
      close.type = "button";
      close.setAttribute("aria-label", "Dismiss the build error");
      close.addEventListener("click", dismiss);
      head.appendChild(title);
      head.appendChild(close);
      var note = el("p", reset + "display:block;margin:4px 0 10px;font:14px/1.5 system-ui,sans-serif;color:#d4d4d8",
        "The last good build is still being served. Fix the problem and save: this message goes away by itself.");
      var pre = el("pre", reset + "display:block;margin:0;padding:0;white-space:pre-wrap;overflow-wrap:anywhere;" +
        "font:13px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;color:#fafafa;background:transparent");
      pre.id = ID + "-text";
      box.appendChild(head);
      box.appendChild(note);
      box.appendChild(pre);
    }
    box.querySelector("pre").textContent = text;
    if (!box.parentNode) {
      lastFocus = document.activeElement;
      (document.body || document.documentElement).appendChild(box);
      var button = box.querySelector("button");
      if (button) button.focus({ preventScroll: true });
    }
  }

  function hideError() {
    var box = document.getElementById(ID);
    if (box) box.remove();
    if (lastFocus && lastFocus.focus && document.contains(lastFocus)) lastFocus.focus({ preventScroll: true });
    lastFocus = null;
  }

  function dismiss() {
    var pre = document.getElementById(ID + "-text");
    dismissed = pre ? pre.textContent : null;
    hideError();
  }

  function clearError() {
    dismissed = null;
    hideError();
  }

  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && document.getElementById(ID)) dismiss();
  });

  // --- Stylesheet swap -----------------------------------------------------------------------
  function sheets(doc) {
    return Array.prototype.slice.call(doc.querySelectorAll('link[rel~="stylesheet"]'));
  }

  function swapCss(changed) {
    var busted = {};
    (changed || []).forEach(function (p) { busted[p] = true; });
    fetch(location.href, { cache: "no-store", credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var fresh = sheets(new DOMParser().parseFromString(html, "text/html"));
        var old = sheets(document);
        if (fresh.length !== old.length) return location.reload();
        old.forEach(function (link, i) {
          var next = new URL(fresh[i].getAttribute("href"), location.href);
          var cur = new URL(link.href, location.href);
          var bust = busted[decodeURIComponent(next.pathname)];
          if (next.pathname === cur.pathname && !bust) return;
          if (bust) next.searchParams.set("archsite-reload", String(Date.now()));
          var copy = link.cloneNode(false);
          copy.href = next.href;
          copy.addEventListener("load", function () { link.remove(); });
          copy.addEventListener("error", function () { link.remove(); });
          link.parentNode.insertBefore(copy, link.nextSibling);
        });
        live.cssSwaps = (live.cssSwaps || 0) + 1;
      })
      .catch(function () { location.reload(); });
  }

  // --- Events --------------------------------------------------------------------------------
  function connect() {
    if (source) return;
    source = new EventSource(endpoint);
    source.addEventListener("hello", function (e) {
      var d = parse(e.data);
      live.connected = true;
      if (d.build && d.build !== live.build) return location.reload();
      if (d.error) showError(d.error); else clearError();
    });
    source.addEventListener("reload", function (e) {
      var d = parse(e.data);
      clearError();
      if (affected(d.changed)) location.reload();
      else if (d.build) live.build = d.build;
    });
    source.addEventListener("css", function (e) {
      var d = parse(e.data);
      clearError();
      if (d.build) live.build = d.build;
      swapCss(d.changed);
    });
    // A named `error` event carries a build error; the EventSource's own connection errors have no
    // data and are left to its automatic reconnection.
    source.addEventListener("error", function (e) {
      if (typeof e.data === "string") showError(parse(e.data));
      else live.connected = false;
    });
  }

  function disconnect() {
    if (source) source.close();
    source = null;
    live.connected = false;
  }

  // Hidden tabs let go of their connection (browsers allow few per server); on return the
  // `hello` event tells whether the site changed meanwhile.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") disconnect(); else connect();
  });
  window.addEventListener("pagehide", disconnect);
  window.addEventListener("pageshow", function () { if (document.visibilityState !== "hidden") connect(); });

  var initial = document.getElementById("archsite-build-error");
  if (initial) showError(parse(initial.textContent));
  if (document.visibilityState !== "hidden") connect();
})();
