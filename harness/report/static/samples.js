/* Samples viewer: decodes a task's gzip+base64 payload on first use and shows its graded items.
   Every model output is inserted as text (textContent), never as HTML. `HarnessSamples.h` (the
   element builder) is shared with report.js, which the report page loads after this file. */
"use strict";
const HarnessSamples = (() => {
  const PAGE = 25;
  const FILTERS = [["all", "all"], ["not_correct", "wrong, truncated, ungradable or error"], ["wrong", "wrong"],
                   ["truncated", "truncated"], ["ungradable", "ungradable"], ["error", "backend error"]];
  const cache = new Map();

  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "text") node.textContent = v; else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children) if (c !== null && c !== undefined) node.append(c);
    return node;
  }

  async function decode(b64) {
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return JSON.parse(await new Response(stream).text());
  }

  function load(task) {
    if (!cache.has(task)) {
      const node = document.getElementById("samples-data-" + task);
      cache.set(task, node ? decode(node.textContent.trim()) : Promise.resolve(null));
    }
    return cache.get(task);
  }

  /* A model's samples are stored column by column; rows are built once per model (as samples.rows does). */
  const rowCache = new WeakMap();
  function rowsOf(run) {
    if (!rowCache.has(run)) rowCache.set(run, run.doc.map((doc, i) => {
      const text = run.texts[i] || [null, null, 0];
      return [doc, run.idx[i], text[0], text[1], text[2], run.extracted[i], run.gold[i], run.status[i], run.finish[i],
              run.tokens[i], run.error[i], text[3] || 0, run.ll ? run.ll[i] : null, run.span ? run.span[i] : null];
    }));
    return rowCache.get(run);
  }

  function matches(row, filter) {
    const status = row[7];
    if (filter === "all") return true;
    if (filter === "not_correct") return status !== "correct";
    return status === filter;
  }

  /* Search: words in the prompt, output, extracted or gold answer (an exact item id is handled in render). */
  function found(row, prompts, query) {
    if (!query) return true;
    const hay = [row[3], row[5], row[6], row[2] ? prompts[row[2]] : null].filter(Boolean).join("\n").toLowerCase();
    return hay.includes(query);
  }

  const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  function optionsTable(ll, gold, extracted) {
    const best = ll.reduce((b, v, i) => (v !== null && (b < 0 || v > ll[b]) ? i : b), -1);
    return h("div", {class: "scroll"}, h("table", {class: "options"},
      h("thead", {}, h("tr", {}, h("th", {text: "option"}), h("th", {class: "num", text: "log-likelihood"}), h("th", {text: ""}))),
      h("tbody", {}, ...ll.map((v, i) => h("tr", {class: i === best ? "picked" : null},
        h("td", {class: "mono", text: LETTERS[i] || String(i + 1)}),
        h("td", {class: "num", text: v === null ? "−∞" : v.toFixed(3)}),
        h("td", {text: [LETTERS[i] === gold ? "gold" : "", i === best ? "picked (highest)" : ""].filter(Boolean).join(" · ")}))))));
  }

  /* One item across every model of the task: status, extracted answer and tokens side by side. */
  function acrossModels(data, doc, idx) {
    const body = Object.keys(data.models).sort().map(model => {
      const run = data.models[model];
      const i = run.doc.findIndex((d, j) => d === doc && run.idx[j] === idx);
      if (i < 0) return h("tr", {}, h("td", {text: model}), h("td", {class: "muted", text: "not in this run"}), h("td"), h("td"));
      return h("tr", {"data-model": model}, h("td", {text: model}),
               h("td", {}, h("span", {class: "badge " + run.status[i], text: run.status[i]})),
               h("td", {class: "mono", text: run.extracted[i] === null ? "—" : run.extracted[i]}),
               h("td", {class: "num", text: run.tokens[i] === null ? "?" : String(run.tokens[i])}));
    });
    return h("div", {class: "scroll"}, h("table", {class: "across"},
             h("thead", {}, h("tr", {}, ...["model", "status", "extracted", "tokens"].map(t => h("th", {text: t})))),
             h("tbody", {}, ...body)));
  }

  function renderItem(prompts, row, runKey, data) {
    const [doc, idx, ph, response, cut, extracted, gold, status, finish, tokens, error, omitted, ll, span] = row;
    const head = h("div", {class: "head"},
      h("span", {class: "badge " + status, text: status}),
      h("span", {class: "mono", text: `doc ${doc}` + (idx ? ` · sample ${idx}` : "")}),
      h("span", {text: "gold: "}, h("b", {class: "mono", text: gold})),
      h("span", {text: "extracted: "}, h("b", {class: "mono", text: extracted === null ? "—" : extracted})),
      h("span", {class: "muted", text: `finish: ${finish || "?"} · ${tokens === null ? "?" : tokens} tokens`}));
    const item = h("article", {class: "sample", "data-doc": doc, "data-status": status}, head);
    if (data && Object.keys(data.models).length > 1) {
      const across = h("details", {class: "across-models"}, h("summary", {text: "this item across models"}));
      across.addEventListener("toggle", () => {
        if (across.open && !across.dataset.drawn) { across.dataset.drawn = "1"; across.append(acrossModels(data, doc, idx)); }
      });
      head.append(across);
    }
    if (ll) item.append(optionsTable(ll, gold, extracted));
    if (response === null) {  // over the cell's text budget: listed, texts left in the record
      item.append(h("div", {class: "muted no-text",
        text: `Prompt and output not in this report (over the text budget); see runs/${runKey}/samples.jsonl.`}));
      return item;
    }
    if (ph === null) {  // only the end of the output fits the budget
      item.append(h("div", {class: "muted no-text", text: `The prompt and the first ${omitted.toLocaleString()} characters ` +
        `of the output are not in this report (text budget); see runs/${runKey}/samples.jsonl.`}));
      const tail = h("pre", {class: "answer", text: "…" + response});
      if (span && span[0] >= omitted && span[1] - omitted <= response.length) {  // the found answer is in the kept end
        const [a, b] = [span[0] - omitted, span[1] - omitted];
        tail.textContent = "";
        tail.append("…" + response.slice(0, a), h("mark", {class: "found", title: "where the answer was found",
          text: response.slice(a, b)}), response.slice(b));
        head.append(h("span", {class: "muted", text: `found at characters ${span[0]}–${span[1]}`}));
      }
      item.append(tail);
      if (error) item.append(h("div", {class: "muted", text: "backend error: " + error}));
      return item;
    }
    const reasoning = response.slice(0, cut), answer = response.slice(cut);
    item.append(h("details", {}, h("summary", {text: "prompt"}), h("pre", {text: prompts[ph] || ""})));
    if (reasoning) item.append(h("details", {class: "reasoning"},
      h("summary", {text: `reasoning (${reasoning.length.toLocaleString()} characters, folded)`}), h("pre", {text: reasoning})));
    const pre = h("pre", {class: "answer", text: answer || (reasoning ? "(no answer after the reasoning)" : "(empty)")});
    // Where the grader found the answer ([start, end) in the response), marked so a reader can audit the verdict.
    if (span && span[0] >= cut && span[1] <= response.length) {
      const [a, b] = [span[0] - cut, span[1] - cut];
      pre.textContent = "";
      pre.append(answer.slice(0, a), h("mark", {class: "found", title: "where the answer was found",
        text: answer.slice(a, b)}), answer.slice(b));
      head.append(h("span", {class: "muted", text: `found at characters ${span[0]}–${span[1]}`}));
    }
    item.append(pre);
    if (error) item.append(h("div", {class: "muted", text: "backend error: " + error}));
    return item;
  }

  /* root: an element; index: {task: {counts: {model: {status: n}}, page: url|null}};
     returns {show(task, model, filter)}. */
  function mount(root, index) {
    const tasks = Object.keys(index).sort();
    const state = {task: tasks[0] || null, model: null, filter: "all", page: 0, query: ""};
    const taskSel = h("select", {"aria-label": "task", id: "samples-task"});
    const modelSel = h("select", {"aria-label": "model", id: "samples-model"});
    const filters = h("span", {class: "filters"});
    const search = h("input", {type: "search", id: "samples-search", "aria-label": "search items",
                               placeholder: "search: item id or text"});
    const summary = h("div", {class: "pager", id: "samples-summary"});
    const list = h("div", {id: "samples-list"});
    const pager = h("div", {class: "pager"});
    for (const t of tasks) taskSel.append(h("option", {value: t, text: t}));
    root.append(h("div", {class: "controls"}, h("label", {text: "task "}, taskSel), h("label", {text: "model "}, modelSel), search, filters),
                summary, list, pager);

    function counts() { return (index[state.task] || {counts: {}}).counts[state.model] || {}; }
    function fillModels() {
      modelSel.replaceChildren(...Object.keys((index[state.task] || {counts: {}}).counts).sort()
        .map(m => h("option", {value: m, text: m})));
      if (state.model && [...modelSel.options].some(o => o.value === state.model)) modelSel.value = state.model;
      state.model = modelSel.value || null;
    }
    function fillFilters() {
      const c = counts(), total = Object.values(c).reduce((a, b) => a + b, 0);
      filters.replaceChildren(...FILTERS.map(([key, label]) => {
        const n = key === "all" ? total : key === "not_correct" ? total - (c.correct || 0) : (c[key] || 0);
        const b = h("button", {type: "button", "data-filter": key, "aria-pressed": String(state.filter === key),
                               title: label, text: `${key.replace("_", " ")} (${n})`});
        b.addEventListener("click", () => { state.filter = key; state.page = 0; render(); });
        return b;
      }));
    }
    let seq = 0;  // a newer render wins over one still decoding
    async function render() {
      const mine = ++seq;
      fillFilters();
      list.replaceChildren(); pager.replaceChildren();
      const info = index[state.task];
      if (!info || !state.model) { summary.textContent = "No samples."; return; }
      if (info.page && !document.getElementById("samples-data-" + state.task)) {
        const href = `${info.page}#model=${encodeURIComponent(state.model)}&filter=${state.filter}`;
        summary.replaceChildren(h("span", {text: "This task's items are on their own page: "}),
                                h("a", {href, id: "samples-page-link", text: `open ${state.task} samples`}),
                                h("div", {class: "muted", id: "samples-moved-note", text: `The page is ${info.page}, in the folder ` +
                                  `built next to this report. If the link does not open, the report was moved or copied without ` +
                                  `that folder: copy the folder along with it (same relative place), or rebuild with harness report.`}));
        return;
      }
      summary.textContent = "decoding…";
      const data = await load(state.task);
      if (mine !== seq) return;
      const run = data && data.models[state.model];
      if (!run) { summary.textContent = "No samples for this model."; return; }
      const all = rowsOf(run), q = state.query;
      const byId = q && all.some(r => String(r[0]).toLowerCase() === q);  // an item id finds that item alone
      const rows = all.filter(r => matches(r, state.filter) &&
                              (byId ? String(r[0]).toLowerCase() === q : found(r, data.prompts, q)));
      const pages = Math.max(1, Math.ceil(rows.length / PAGE));
      state.page = Math.min(state.page, pages - 1);
      const start = state.page * PAGE, shown = rows.slice(start, start + PAGE);
      summary.setAttribute("data-count", String(rows.length));
      summary.textContent = `${state.model} × ${state.task} (run ${run.run_key}): ${rows.length} sample(s) match` +
        (state.query ? ` "${state.query}"` : "") +
        (rows.length ? `, showing ${start + 1}–${start + shown.length}` : "");
      list.replaceChildren(...shown.map(r => renderItem(data.prompts, r, run.run_key, data)));
      if (pages > 1) {
        const prev = h("button", {type: "button", text: "‹ previous", disabled: state.page === 0});
        const next = h("button", {type: "button", text: "next ›", disabled: state.page >= pages - 1});
        prev.addEventListener("click", () => { state.page--; render(); });
        next.addEventListener("click", () => { state.page++; render(); });
        pager.append(prev, h("span", {text: `page ${state.page + 1} of ${pages}`}), next);
      }
    }
    taskSel.addEventListener("change", () => { state.task = taskSel.value; state.page = 0; fillModels(); render(); });
    modelSel.addEventListener("change", () => { state.model = modelSel.value; state.page = 0; render(); });
    search.addEventListener("input", () => { state.query = search.value.trim().toLowerCase(); state.page = 0; render(); });
    function show(task, model, filter) {
      if (task && index[task]) { state.task = task; taskSel.value = task; }
      state.model = model || state.model; fillModels();
      state.filter = filter || "all"; state.page = 0;
      return render();
    }
    fillModels();
    render();
    return {show};
  }
  return {mount, h};
})();
