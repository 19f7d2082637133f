// Progressive enhancement only: every feature below also works without JavaScript.
// 1. Ticking a facet value applies it at once (the "تطبيق" button stays for dates).
// 2. Name completion for the query box from /api/suggest: choosing a name adds a filter.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var form = document.getElementById("search-form");
  if (!form) return;

  // Tidy URLs: leave out empty fields and defaults (the server accepts them either way).
  function cleanParams() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      value = String(value).trim();
      if (!value || (key === "match" && value === "all")) return;
      params.append(key, value);
    });
    return params;
  }
  function urlFor(params) {
    var query = params.toString();
    return form.getAttribute("action") + (query ? "?" + query : "");
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    window.location.href = urlFor(cleanParams());
  });

  // -- instant facet toggling --------------------------------------------------------
  document.querySelectorAll('.facet input[type=checkbox][form="search-form"]').forEach(function (box) {
    box.addEventListener("change", function () {
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    });
  });
  // A fresh search starts on page 1 with no stale page argument (none is in the form).

  // -- name completion ---------------------------------------------------------------
  var input = document.getElementById("q");
  var list = document.getElementById("suggestions");
  if (!input || !list || !window.fetch) return;
  var KIND = { person: "شخص", place: "مكان", organization: "منظمة" };
  var PARAM = { person: "person", place: "place", organization: "org" };
  var timer = null, active = -1, lastPrefix = "", controller = null;

  function currentWord() {
    var text = input.value.slice(0, input.selectionStart || input.value.length);
    var m = text.match(/([^\s"«»()]+)$/);
    return m ? m[1].replace(/^[-+]/, "").replace(/^(person|place|شخص|مكان):/, "") : "";
  }

  function close() {
    list.hidden = true;
    list.innerHTML = "";
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function filterUrl(s) {
    var params = cleanParams();
    // The word being completed becomes a filter; the rest of the query stays.
    var word = currentWord();
    var q = (params.get("q") || "");
    if (word && q.slice(-word.length) === word) q = q.slice(0, -word.length).replace(/\S*:$/, "").trim();
    params.set("q", q);
    if (!q) params.delete("q");
    params.append(PARAM[s.kind] || s.kind, s.label);
    return urlFor(params);
  }

  function render(items) {
    list.innerHTML = "";
    if (!items.length) { close(); return; }
    items.forEach(function (s, i) {
      var li = document.createElement("li");
      li.id = "suggestion-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      var a = document.createElement("a");
      a.href = filterUrl(s);
      a.tabIndex = -1;
      var name = document.createElement("bdi");
      name.textContent = s.label;           // textContent: names are never parsed as HTML
      var kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = (KIND[s.kind] || s.kind) + " · " + s.count;
      a.appendChild(name);
      a.appendChild(kind);
      li.appendChild(a);
      list.appendChild(li);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function move(step) {
    var items = list.querySelectorAll("li");
    if (!items.length) return;
    if (active >= 0) items[active].setAttribute("aria-selected", "false");
    active = (active + step + items.length) % items.length;
    items[active].setAttribute("aria-selected", "true");
    input.setAttribute("aria-activedescendant", items[active].id);
  }

  function lookup() {
    var prefix = currentWord();
    if (prefix.length < 2) { close(); lastPrefix = ""; return; }
    if (prefix === lastPrefix) return;
    lastPrefix = prefix;
    if (controller) controller.abort();
    controller = window.AbortController ? new AbortController() : null;
    fetch("/api/suggest?limit=8&prefix=" + encodeURIComponent(prefix),
          controller ? { signal: controller.signal } : {})
      .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
      .then(function (data) { if (currentWord() === prefix) render(data.suggestions || []); })
      .catch(function () { /* aborted or offline: no completion */ });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(lookup, 150);
  });
  input.addEventListener("keydown", function (e) {
    if (list.hidden) return;
    if (e.key === "ArrowDown") { e.preventDefault(); move(1); }
    else if (e.key === "ArrowUp") { e.preventDefault(); move(-1); }
    else if (e.key === "Escape") { close(); }
    else if (e.key === "Enter" && active >= 0) {
      e.preventDefault();
      window.location.href = list.querySelectorAll("li a")[active].href;
    }
  });
  input.addEventListener("blur", function () { setTimeout(close, 200); });
})();
