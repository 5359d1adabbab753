"""The review page's stylesheet and script, inlined into every page by `extractor.results.review`.

Kept as Python strings so they ship inside the package with no package-data configuration. The
script never builds HTML from data: it reads the records from the page's JSON block and writes
them with `textContent`, so model or article text cannot become markup here either. The page's
Content-Security-Policy allows this script by its hash, so any edit here is picked up by the hash
the page computes, and no other script can run.
"""

CSS = """
:root { --ink: #1d1f23; --muted: #676d76; --line: #d9dce1; --incident: hsl(8 75% 62%);
  --actor: hsl(212 70% 60%); --attribution: hsl(135 50% 48%); }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f6f7f9; }
header.page { padding: 10px 20px; background: #fff; border-bottom: 1px solid var(--line); }
header.page h1 { font-size: 18px; margin: 0 0 2px; }
.legend { margin: 0; color: var(--muted); }
.key { display: inline-block; padding: 0 6px; margin-right: 6px; border-radius: 3px; color: var(--ink); }
.key.incident { background: hsl(8 80% 86%); border-bottom: 3px solid var(--incident); }
.key.actor { background: hsl(212 80% 86%); border-bottom: 3px solid var(--actor); }
.key.attribution { background: hsl(135 80% 86%); border-bottom: 3px solid var(--attribution); }
.muted { color: var(--muted); }
nav.index { margin: 12px 20px; padding: 8px 14px; background: #fff; border: 1px solid var(--line); border-radius: 6px; }
nav.index h2 { font-size: 14px; margin: 0; }
nav.index ol { margin: 4px 0; padding-left: 22px; }
section.result { margin: 12px 20px 24px; }
section.result > header h2 { font-size: 17px; margin: 0; }
section.result > header p { margin: 0; }
.cols { display: flex; gap: 16px; align-items: flex-start; margin-top: 8px; }
.article { position: relative; flex: 1 1 50%; min-width: 0; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 14px 18px; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; font: 15px/1.75 Georgia, "DejaVu Serif", serif; }
.side { flex: 1 1 50%; min-width: 0; position: sticky; top: 0; max-height: 100vh; overflow: auto; padding-bottom: 12px; }
.side h3 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 10px 0 4px; }
mark.seg { color: inherit; padding: 1px 0; border-radius: 2px; cursor: pointer; }
mark.seg.t-incident { box-shadow: inset 0 -2px 0 var(--incident); }
mark.seg.t-actor { box-shadow: inset 0 -2px 0 var(--actor); }
mark.seg.t-attribution { box-shadow: inset 0 -2px 0 var(--attribution); }
mark.seg.t-incident.t-actor { box-shadow: inset 0 -2px 0 var(--incident), inset 0 -4px 0 var(--actor); }
mark.seg[data-label]::before { content: attr(data-label); font: 600 9px/1 system-ui, sans-serif; vertical-align: super;
  margin-right: 2px; color: #333; }
.masked { color: #9aa0a8; background: repeating-linear-gradient(45deg, transparent 0 6px, #eef0f3 6px 12px); }
section.selecting mark.seg:not(.active) { opacity: .35; }
mark.seg.active { outline: 2px solid #222; outline-offset: 0; opacity: 1; }
.card { position: absolute; z-index: 5; width: min(440px, 92%); background: #fff; border: 1px solid #b9bec6;
  border-radius: 6px; box-shadow: 0 6px 20px rgba(0,0,0,.18); padding: 6px 10px; font-size: 13px; }
.card .rec { border-left: 5px solid; padding-left: 8px; margin: 4px 0; }
.card button { all: unset; cursor: pointer; font-weight: 600; }
.card dl { display: grid; grid-template-columns: max-content 1fr; gap: 0 8px; margin: 2px 0; }
.card dt { color: var(--muted); }
.card dd { margin: 0; }
table.records { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid var(--line); font-size: 12.5px; }
table.records th, table.records td { text-align: left; vertical-align: top; padding: 3px 6px; border-bottom: 1px solid #eceef1; }
table.records thead th { background: #f0f2f5; font-weight: 600; }
table.records tbody tr { cursor: pointer; }
table.records tbody tr:hover { background: #f4f7fb; }
table.records tbody tr.selected { background: #fff6d6; outline: 2px solid #222; outline-offset: -2px; }
table.records tr.optional th::after { content: " opt"; font-size: 10px; color: var(--muted); }
table.records tr.nospan { color: var(--muted); }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; border: 1px solid rgba(0,0,0,.2); }
ul.warnings { margin: 0; padding-left: 18px; font-size: 12.5px; }
ul.warnings li.warning { color: #8a4b00; }
ul.warnings li.review { color: #a0001c; }
ul.warnings .code { font-family: ui-monospace, monospace; font-size: 11.5px; color: #555; }
"""

JS = """
(function () {
  "use strict";
  function ids(seg) { return (seg.getAttribute("data-records") || "").split(" ").filter(Boolean); }

  function setup(section) {
    var data = JSON.parse(section.querySelector("script.records-data").textContent);
    var article = section.querySelector(".article"), text = section.querySelector(".text");
    var card = section.querySelector(".card"), pinned = null, pinnedAnchor = null;
    function segsOfSpan(key) { return text.querySelectorAll('mark.seg[data-spans~="' + key + '"]'); }
    function segsOf(id) { return text.querySelectorAll('mark.seg[data-records~="' + id + '"]'); }
    function rowOf(id) { return section.querySelector('tr[data-record="' + id + '"]'); }
    // The last piece of a record's first span: the card goes just below the whole span.
    function anchorOf(id) {
      var keys = data[id].spans; if (!keys.length) return null;
      var segs = segsOfSpan(keys[0]); return segs[segs.length - 1];
    }

    function show(list, anchor) {
      card.replaceChildren();
      list.forEach(function (id) {
        var rec = data[id], box = document.createElement("div"), head = document.createElement("button");
        box.className = "rec " + rec.type; box.setAttribute("data-record", id); box.style.borderColor = rec.color;
        head.type = "button"; head.textContent = rec.title;
        head.addEventListener("click", function (e) { e.stopPropagation(); select(id, null); });
        var dl = document.createElement("dl");
        rec.fields.forEach(function (f) {
          var dt = document.createElement("dt"), dd = document.createElement("dd");
          dt.textContent = f[0]; dd.textContent = f[1]; dl.append(dt, dd);
        });
        box.append(head, dl); card.append(box);
      });
      card.hidden = false;
      var box = article.getBoundingClientRect(), top = 8, left = 8;
      if (anchor) {
        var rects = anchor.getClientRects(), last = rects[rects.length - 1];
        top = last.bottom - box.top + 4; left = last.left - box.left;
      }
      card.style.top = top + "px";
      card.style.left = Math.max(0, Math.min(left, article.clientWidth - card.offsetWidth)) + "px";
    }
    function restore() { if (pinned) show([pinned], pinnedAnchor); else card.hidden = true; }

    function clear() {
      section.classList.remove("selecting");
      section.querySelectorAll("mark.seg.active").forEach(function (s) { s.classList.remove("active"); });
      section.querySelectorAll("tr.selected").forEach(function (r) { r.classList.remove("selected"); });
      pinned = null; pinnedAnchor = null; card.hidden = true;
    }
    // From a row (anchor null): scroll to the record's first span. From the text: stay put.
    function select(id, anchor) {
      if (!data[id]) return;
      clear();
      pinned = id; pinnedAnchor = anchor || anchorOf(id);
      section.classList.add("selecting");
      segsOf(id).forEach(function (s) { s.classList.add("active"); });
      var row = rowOf(id); if (row) row.classList.add("selected");
      if (!anchor && pinnedAnchor) segsOfSpan(data[id].spans[0])[0].scrollIntoView({block: "center"});
      show([id], pinnedAnchor);
      try { history.replaceState(null, "", "#" + section.id + "-" + id); } catch (e) { /* file: pages may refuse */ }
    }

    text.addEventListener("mouseover", function (e) {
      var seg = e.target.closest("mark.seg"); if (seg) show(ids(seg), seg);
    });
    text.addEventListener("mouseout", function (e) {
      var seg = e.target.closest("mark.seg");
      if (seg && !(e.relatedTarget && seg.contains(e.relatedTarget))) restore();
    });
    text.addEventListener("click", function (e) {
      var seg = e.target.closest("mark.seg");
      if (!seg) { clear(); return; }
      // Innermost record first; clicking again steps to the next record covering these words.
      var list = ids(seg), at = list.indexOf(pinned);
      select(list[at < 0 ? 0 : (at + 1) % list.length], seg);
    });
    section.querySelectorAll("tr[data-record]").forEach(function (row) {
      function pick() { var id = row.getAttribute("data-record"); if (pinned === id) clear(); else select(id, null); }
      row.addEventListener("click", pick);
      row.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); pick(); } });
    });
    document.addEventListener("keydown", function (e) { if (e.key === "Escape") clear(); });
    return { select: select };
  }

  var views = {};
  document.querySelectorAll("section.result").forEach(function (s) { views[s.id] = setup(s); });
  var m = /^#(r\\d+)-([IAT]\\d+)$/.exec(location.hash);
  if (m && views[m[1]]) views[m[1]].select(m[2], null);
})();
"""
