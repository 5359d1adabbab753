"""The verdict controls of the served review page (`extractor review RUN --serve`): styles and script.

Added to the page only when it is served (extractor.results.review.Serving), after the page's own
script, and allowed by its hash as that one is. Like it, this script never builds HTML from data:
every element is made with createElement and filled with textContent. It reads the records'
review states from each section's JSON block and the settings from the `review-config` block,
and sends each verdict at once to the page's own origin, with the token from the page's URL in a
header. Accept and reject repaint the record's row from the server's answer; a fix or an added
record reloads the page (so it shows the records as the run store holds them) with that record
selected. Offsets of selected words are counted in code points, as Python counts them.

`document.body.dataset.verdicts` counts the verdicts the server confirmed,
`dataset.lastVerdictMs` is the last one's time from click to answer (after its commit) and
`dataset.readyMs` when every row had its controls: the tests and benchmarks/review_page.py read them.
"""

CSS = """
/* A run's page holds every article: the browser lays out only the texts and tables near the
   screen (about four times faster to open with 500 records, benchmarks/review_page.py), the rest
   as they come into view; find-in-page still finds their words. Not the whole section: its
   containment would clip a record card or the add buttons below the article's last line. */
.text { content-visibility: auto; contain-intrinsic-size: auto 900px; }
.side { content-visibility: auto; contain-intrinsic-size: auto 600px; }
.review-bar { margin: 4px 0 0; font-size: 13px; color: var(--muted); }
.review-bar .progress { color: var(--ink); font-weight: 600; }
.review-bar .said { margin-left: 8px; color: hsl(135 50% 30%); }
.review-bar .said.bad { color: #a0001c; font-weight: 600; }
td.verdict { white-space: nowrap; }
button.v { border: 1px solid #c3c8d0; background: #fff; border-radius: 4px; padding: 0 6px; margin: 0 2px 0 0;
  cursor: pointer; font: 13px/1.4 system-ui, sans-serif; color: var(--ink); }
button.v:hover { border-color: #555; }
tr.st-accepted button.v-accept, tr.st-added button.v-accept { background: hsl(135 55% 85%); border-color: hsl(135 45% 40%); }
tr.st-fixed button.v-fix { background: hsl(212 75% 88%); border-color: hsl(212 60% 45%); }
tr.st-rejected button.v-reject { background: hsl(0 75% 90%); border-color: hsl(0 60% 50%); }
tr.st-accepted > th { box-shadow: inset 4px 0 0 hsl(135 50% 42%); }
tr.st-fixed > th { box-shadow: inset 4px 0 0 hsl(212 65% 50%); }
tr.st-added > th { box-shadow: inset 4px 0 0 hsl(280 50% 55%); }
tr.st-rejected > th, tr.st-rejected > td:not(.verdict) { text-decoration: line-through; color: #9aa0a8; }
.badge { display: block; font-size: 11px; color: var(--muted); }
.review-form { background: #fff; border: 2px solid #333; border-radius: 6px; padding: 8px 10px; margin: 6px 0 8px; }
.review-form h4 { margin: 0 0 6px; font-size: 14px; }
.review-form .grid { display: grid; grid-template-columns: max-content 1fr; gap: 4px 8px; align-items: center; }
.review-form label { color: var(--muted); font-size: 12.5px; }
.review-form input, .review-form select { font: 13px system-ui, sans-serif; min-width: 0; }
.review-form .pair { display: flex; gap: 4px; flex-wrap: wrap; }
.review-form .pair input[type=number] { width: 6em; }
.review-form .quote { font: 13px/1.4 Georgia, serif; background: #f4f5f7; padding: 2px 4px; }
.review-form .actions { margin-top: 8px; display: flex; gap: 8px; align-items: center; }
.review-form .error { color: #a0001c; font-size: 12.5px; }
.adder { position: absolute; z-index: 6; background: #222; border-radius: 5px; padding: 2px; box-shadow: 0 4px 12px rgba(0,0,0,.25); }
.adder button { all: unset; cursor: pointer; padding: 2px 8px; color: #fff; font: 600 12px/1.6 system-ui, sans-serif; }
.adder button:hover { background: #555; border-radius: 3px; }
"""

JS = """
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("review-config").textContent);
  var choices = config.choices;
  var token = new URLSearchParams(location.search).get("token") || "";
  var LABEL = {accept: "\\u2713", reject: "\\u2717", fix: "\\u270e"};
  var TITLE = {accept: "Accept: the record is right", reject: "Reject: the article does not say this",
               fix: "Fix a field"};
  var LEVELS = ["incident", "actor", "attribution"];

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  var bar = el("p", "review-bar");
  var progress = el("span", "progress"), said = el("span", "said");
  said.setAttribute("role", "status");
  bar.append(el("span", "", "Run " + config.run + ", reviewing as " + config.reviewer +
                 ". Every verdict is saved the moment it is made. "), progress, said);
  document.querySelector("header.page").append(bar);
  function tell(text, bad) { said.textContent = text; said.className = "said" + (bad ? " bad" : ""); }
  function count() {
    var rows = document.querySelectorAll("tr[data-record]"), done = 0;
    rows.forEach(function (r) { if (!r.classList.contains("st-unverified")) done++; });
    progress.textContent = done + " of " + rows.length + " records verified.";
  }

  function send(body) {
    return fetch("/verdicts", {method: "POST", cache: "no-store", credentials: "same-origin",
                               headers: {"Content-Type": "application/json", "X-Review-Token": token},
                               body: JSON.stringify(body)})
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (answer) {
          if (!response.ok) throw new Error(answer.error || ("the server answered " + response.status));
          var b = document.body.dataset;
          b.verdicts = String(Number(b.verdicts || 0) + 1);
          return answer;
        });
      });
  }
  function reloadAt(section, id) {
    location.hash = section.id + "-" + id;
    location.reload();
  }

  function setup(section) {
    var key = section.getAttribute("data-key");
    var data = JSON.parse(section.querySelector("script.records-data").textContent);
    var side = section.querySelector(".side"), text = section.querySelector(".text");
    var article = section.querySelector(".article");
    var form = el("div", "review-form");
    form.hidden = true;
    side.prepend(form);

    section.querySelectorAll("table.records thead tr").forEach(function (tr) { tr.append(el("th", "", "verdict")); });
    section.querySelectorAll("table.records tbody td[colspan]").forEach(function (td) { td.colSpan += 1; });
    section.querySelectorAll("tr[data-record]").forEach(function (row) {
      var id = row.getAttribute("data-record"), cell = el("td", "verdict");
      ["accept", "reject", "fix"].forEach(function (action) {
        var b = el("button", "v v-" + action, LABEL[action]);
        b.type = "button"; b.title = TITLE[action];
        b.setAttribute("data-action", action);
        b.setAttribute("aria-label", TITLE[action] + ": " + id);
        b.addEventListener("click", function (e) {
          e.stopPropagation();
          if (action === "fix") openForm(id, null); else decide(id, action, performance.now());
        });
        cell.append(b);
      });
      cell.append(el("span", "badge"));
      row.append(cell);
      paint(id);
    });

    function paint(id) {
      var row = section.querySelector('tr[data-record="' + id + '"]'), state = data[id].review;
      if (!row || !state) return;
      row.classList.remove("st-accepted", "st-fixed", "st-rejected", "st-added", "st-unverified");
      row.classList.add("st-" + state.status);
      row.setAttribute("data-status", state.status);
      var badge = row.querySelector(".badge");
      badge.textContent = state.status === "unverified" ? "" :
        state.status + (state.fixed.length ? ": " + state.fixed.join(", ") : "");
      badge.title = state.by ? state.status + " by " + state.by + " at " + state.at : "";
    }

    function decide(id, action, started) {
      tell("saving " + id + "\\u2026");
      send({article: key, record: id, action: action}).then(function (answer) {
        Object.keys(answer.states).forEach(function (rid) {
          if (data[rid]) { data[rid].review = answer.states[rid]; paint(rid); }
        });
        document.body.dataset.lastVerdictMs = (performance.now() - started).toFixed(1);
        count();
        tell(answer.message);
      }).catch(function (err) { tell(err.message, true); });
    }

    // --- the form: fix a record's fields, or add a record -----------------------------------
    function options(select, values, labels, chosen) {
      select.replaceChildren();
      values.forEach(function (v, n) {
        var o = el("option", "", labels ? labels[n] : (v === "" ? "\\u2014" : v));
        o.value = v; if (v === chosen) o.selected = true; select.append(o);
      });
      return select;
    }
    function records(level) {
      return Object.keys(data).filter(function (rid) {
        return data[rid].type === level && data[rid].review && data[rid].review.status !== "rejected";
      });
    }
    function numberOrNull(input) { return input.value === "" ? null : Number(input.value); }
    function textOrNull(input) { var v = input.value.trim(); return v === "" ? null : v; }

    // Each attribute: a row of inputs and a function that reads its value back.
    function inputs(attr, level, value) {
      var box = el("span", "pair"), read;
      function field(type, v, label) {
        var input = el("input"); input.type = type;
        if (type === "checkbox") input.checked = !!v; else input.value = v === null || v === undefined ? "" : v;
        if (label) { input.placeholder = label; input.title = label; input.setAttribute("aria-label", label); }
        if (type === "number") input.step = "any";
        box.append(input); return input;
      }
      function choose(values, chosen, labels) { var s = options(el("select"), values, labels, chosen); box.append(s); return s; }
      if (attr === "event_type") {
        var sel = choose(Object.keys(choices.event_types), value);
        read = function () { return sel.value; };
      } else if (attr === "sub_event_type") {
        var sub = el("select"); box.append(sub);
        read = function () { return sub.value; };
      } else if (attr === "date") {
        var v = value || {}, start = field("date", v.start, "start"), end = field("date", v.end, "end");
        var p = choose(choices.date_precisions, v.precision || "day");
        read = function () { return {start: start.value, end: end.value, precision: p.value}; };
      } else if (attr === "location") {
        var l = value || {};
        var name = field("text", l.name, "place"), admin1 = field("text", l.admin1, "admin1");
        var country = field("text", l.country, "country"), code = field("text", l.country_code, "country code");
        var lp = choose(choices.location_precisions, l.precision || "place");
        var lat = field("number", l.latitude, "latitude"), lon = field("number", l.longitude, "longitude");
        read = function () {
          return {name: name.value.trim(), admin1: textOrNull(admin1), country: country.value.trim(),
                  country_code: code.value.trim().toUpperCase(), precision: lp.value,
                  latitude: numberOrNull(lat), longitude: numberOrNull(lon)};
        };
      } else if (attr === "fatalities") {
        var f = value || {};
        var low = field("number", f.low, "low"), best = field("number", f.best, "best"), high = field("number", f.high, "high");
        read = function () { return {low: numberOrNull(low), best: numberOrNull(best), high: numberOrNull(high)}; };
      } else if (attr === "kind") {
        var kinds = level === "actor" ? choices.actor_kinds : choices.attribution_kinds;
        var k = choose(kinds, value || kinds[kinds.length - 1]);
        read = function () { return k.value; };
      } else if (attr === "stage") {
        var st = choose(choices.stages, value || "accomplished");
        read = function () { return st.value; };
      } else if (attr === "perpetrator_id" || attr === "source_id" || attr === "incident_id") {
        var ids = attr === "incident_id" ? records("incident") : [""].concat(records("actor"));
        if (value && ids.indexOf(value) < 0) ids.push(value);  // a rejected one stays shown while it is the value
        var none = attr === "perpetrator_id" ? "nobody named" : "the article, in its own voice";
        var labels = ids.map(function (rid) {
          if (rid === "") return none;
          var vals = data[rid].review.values;
          return rid + ": " + (vals.name || data[rid].fields[0][1]);
        });
        var r = choose(ids, value || "", labels);
        read = function () { return r.value === "" ? null : r.value; };
      } else if (attr === "hedged" || attr === "primary") {
        var c = field("checkbox", value);
        read = function () { return c.checked; };
      } else if (attr === "country_code") {
        var cc = field("text", value, "country code");
        read = function () { var t = cc.value.trim().toUpperCase(); return t === "" ? null : t; };
      } else {
        var t = field("text", value, attr);
        read = function () { return t.value.trim(); };
      }
      return {box: box, read: read};
    }

    function same(a, b) {
      if (a && typeof a === "object" && b && typeof b === "object") {
        return Object.keys(a).every(function (k) { return same(a[k], b[k]); });
      }
      return (a === undefined ? null : a) === (b === undefined ? null : b);
    }

    var ADD_FIELDS = {
      incident: ["summary", "event_type", "sub_event_type", "stage", "primary", "date", "location", "fatalities"],
      actor: ["name", "kind", "country_code"],
      attribution: ["incident_id", "perpetrator_id", "source_id", "kind", "hedged"]
    };
    function defaults(level, words) {
      var first = records("incident")[0], v = first ? data[first].review.values : {};
      var day = config.published[key] || new Date().toISOString().slice(0, 10);
      if (level === "incident") {
        return {summary: words.quote.slice(0, 200), event_type: v.event_type || "Violence against civilians",
                sub_event_type: v.sub_event_type || "Attack", stage: "accomplished", primary: false,
                date: v.date || {start: day, end: day, precision: "day"},
                location: v.location || {name: "", country: "", country_code: "", precision: "place"},
                fatalities: {low: null, best: null, high: null}};
      }
      if (level === "actor") return {name: words.quote, kind: "other", country_code: null};
      return {incident_id: first || "", perpetrator_id: null, source_id: null, kind: "reported", hedged: false};
    }

    // `id`: the record to fix; or null and `adding` = {level, words} for a new record.
    function openForm(id, adding) {
      var level = adding ? adding.level : data[id].type;
      var values = adding ? defaults(level, adding.words) : data[id].review.values;
      var attrs = adding ? ADD_FIELDS[level] : [].concat.apply([], Object.keys(choices.fixable[level]).map(
        function (f) { return choices.fixable[level][f]; }));
      form.replaceChildren();
      form.append(el("h4", "", adding ? "Add " + level + " " + "\u201c" + adding.words.quote.slice(0, 60) + "\u201d" : "Fix " + id));
      var grid = el("div", "grid"), readers = {};
      if (adding) { grid.append(el("label", "", "evidence"), el("span", "quote", adding.words.quote)); }
      attrs.forEach(function (attr) {
        var made = inputs(attr, level, values[attr]);
        readers[attr] = made.read;
        var label = el("label", "", attr.replace(/_id$/, "").replace(/_/g, " "));
        grid.append(label, made.box);
        made.box.setAttribute("data-attr", attr);
      });
      if (!adding && values.confidence !== undefined && values.confidence !== null) {
        grid.append(el("label", "", "confidence"), el("span", "", Number(values.confidence).toFixed(2) + " (the model's)"));
      }
      var typeBox = grid.querySelector('[data-attr="event_type"]'), subBox = grid.querySelector('[data-attr="sub_event_type"]');
      if (typeBox && subBox) {
        var typeSel = typeBox.querySelector("select"), subSel = subBox.querySelector("select");
        var fill = function (chosen) { options(subSel, choices.event_types[typeSel.value], null, chosen); };
        fill(values.sub_event_type);
        typeSel.addEventListener("change", function () { fill(null); });
      }
      form.append(grid);
      var error = el("p", "error"), save = el("button", "", adding ? "Add" : "Save"), cancel = el("button", "", "Cancel");
      save.type = cancel.type = "button";
      save.className = "save"; cancel.className = "cancel";
      var actions = el("div", "actions"); actions.append(save, cancel);
      form.append(actions, error);
      cancel.addEventListener("click", function () { form.hidden = true; });
      save.addEventListener("click", function () {
        error.textContent = "";
        var now = {};
        attrs.forEach(function (attr) { now[attr] = readers[attr](); });
        if (adding) {
          var value = {};
          attrs.forEach(function (attr) { if (now[attr] !== null || attr === "perpetrator_id" || attr === "source_id") value[attr] = now[attr]; });
          send({article: key, action: "add", level: level, value: value, evidence: adding.words}).then(function (answer) {
            reloadAt(section, answer.record);
          }).catch(function (err) { error.textContent = err.message; });
          return;
        }
        var fields = Object.keys(choices.fixable[level]).filter(function (f) {
          return choices.fixable[level][f].some(function (attr) { return !same(now[attr], values[attr]); });
        });
        if (!fields.length) { error.textContent = "Nothing changed."; return; }
        var chain = Promise.resolve();
        fields.forEach(function (f) {
          var value = {};
          choices.fixable[level][f].forEach(function (attr) { value[attr] = now[attr]; });
          chain = chain.then(function () { return send({article: key, record: id, action: "fix", field: f, value: value}); });
        });
        chain.then(function () { reloadAt(section, id); }).catch(function (err) { error.textContent = err.message; });
      });
      form.hidden = false;
      side.scrollTop = 0;
      form.scrollIntoView({block: "nearest"});
    }

    // --- adding: select the words in the article, then say what they are ----------------------
    var adder = el("div", "adder"), picked = null;
    adder.hidden = true;
    LEVELS.forEach(function (level) {
      var b = el("button", "", "+ " + level);
      b.type = "button"; b.setAttribute("data-level", level);
      b.addEventListener("mousedown", function (e) { e.preventDefault(); });  // keep the selection
      b.addEventListener("click", function (e) {
        e.stopPropagation();
        if (picked) openForm(null, {level: level, words: picked});
        adder.hidden = true;
      });
      adder.append(b);
    });
    article.append(adder);
    function codePoints(s) { return Array.from(s).length; }
    function pick() {
      var selection = window.getSelection();
      if (!selection.rangeCount || selection.isCollapsed) { adder.hidden = true; return; }
      var range = selection.getRangeAt(0);
      if (!text.contains(range.startContainer) || !text.contains(range.endContainer)) { adder.hidden = true; return; }
      var before = document.createRange();
      before.setStart(text, 0);
      before.setEnd(range.startContainer, range.startOffset);
      var start = codePoints(before.toString()), chars = Array.from(range.toString());
      var lead = 0, tail = chars.length;
      while (lead < tail && /\\s/.test(chars[lead])) lead++;
      while (tail > lead && /\\s/.test(chars[tail - 1])) tail--;
      if (tail <= lead) { adder.hidden = true; return; }
      picked = {start: start + lead, end: start + tail, quote: chars.slice(lead, tail).join("")};
      var rects = range.getClientRects(), last = rects[rects.length - 1], box = article.getBoundingClientRect();
      adder.style.top = (last.bottom - box.top + 6) + "px";
      adder.style.left = Math.max(0, Math.min(last.left - box.left, article.clientWidth - 260)) + "px";
      adder.hidden = false;
    }
    text.addEventListener("mouseup", function () { setTimeout(pick, 0); });
    text.addEventListener("keyup", function () { setTimeout(pick, 0); });
  }

  document.querySelectorAll("section.result[data-key]").forEach(setup);
  count();
  document.body.dataset.readyMs = performance.now().toFixed(1);
})();
"""
