/* harness report: sortable, filterable tables rendered a page at a time from the inlined data;
   links from claims, tables and heatmaps open the graded items of a model × task. */
"use strict";
(() => {
  const DATA = JSON.parse(document.getElementById("report-data").textContent);
  const h = HarnessSamples.h;  // samples.js, loaded first
  const pct = v => v === null || v === undefined ? "–" : (100 * v).toFixed(1);
  const num = (v, d = 1) => v === null || v === undefined ? "–" : Number(v).toFixed(d);
  const short = (s, n = 12) => s ? String(s).slice(0, n) : "–";
  const rows = DATA.cells.rows.map(r => Object.fromEntries(DATA.cells.columns.map((c, i) => [c, r[i]])));

  /* ---------------------------------------------------------------- samples */
  const samplesRoot = document.getElementById("samples-viewer");
  const viewer = samplesRoot ? HarnessSamples.mount(samplesRoot, DATA.samples) : null;
  function hasSamples(model, task) { return !!(DATA.samples[task] && DATA.samples[task].counts[model]); }
  function cellLink(model, task, text, filter) {
    if (!hasSamples(model, task)) return h("span", {class: "muted", title: "no run", text: text || model});
    return h("a", {class: "cell-link", href: "#samples", "data-model": model, "data-task": task,
                   "data-filter": filter || null, text: text || model});
  }
  document.addEventListener("click", ev => {
    const a = ev.target.closest("a.cell-link");
    if (!a || !viewer) return;
    ev.preventDefault();
    const info = DATA.samples[a.dataset.task];
    if (info && info.page && !document.getElementById("samples-data-" + a.dataset.task)) {
      location.href = `${info.page}#model=${encodeURIComponent(a.dataset.model)}&filter=${a.dataset.filter || "all"}`;
      return;
    }
    viewer.show(a.dataset.task, a.dataset.model, a.dataset.filter || "all");
    document.getElementById("samples").scrollIntoView();
  });

  /* ---------------------------------------------------------------- tables */
  function table(root, spec) {
    const state = {key: spec.sortKey, dir: spec.sortDir || 1, page: 0, filters: {}, text: ""};
    const size = spec.pageSize || 100;
    const controls = h("div", {class: "controls"});
    for (const f of spec.filters || []) {
      const values = [...new Set(spec.rows.map(f.value))].filter(v => v !== null).sort();
      const sel = h("select", {"aria-label": f.label, "data-filter": f.label},
                    h("option", {value: "", text: `all ${f.label}`}), ...values.map(v => h("option", {value: v, text: v})));
      sel.addEventListener("change", () => { state.filters[f.label] = sel.value; state.page = 0; draw(); });
      controls.append(sel);
    }
    const search = h("input", {type: "search", placeholder: "search model or task", "aria-label": "search"});
    search.addEventListener("input", () => { state.text = search.value.toLowerCase(); state.page = 0; draw(); });
    controls.append(search);
    for (const t of spec.toggles || []) {
      const box = h("input", {type: "checkbox"});
      box.addEventListener("change", () => { state.filters[t.label] = box.checked; state.page = 0; draw(); });
      controls.append(h("label", {}, box, " " + t.label));
    }
    const count = h("span", {class: "muted table-count"});
    controls.append(count);
    const headRow = h("tr");
    for (const c of spec.columns) {
      const th = h("th", {class: (c.num ? "num " : "") + (c.sort ? "sortable" : ""), title: c.title || null, text: c.label});
      if (c.sort) th.addEventListener("click", () => {
        state.dir = state.key === c.key ? -state.dir : (c.num ? -1 : 1); state.key = c.key; draw();
      });
      c.th = th; headRow.append(th);
    }
    const body = h("tbody");
    const pager = h("div", {class: "pager"});
    root.append(controls, h("div", {class: "scroll"}, h("table", {class: "data"}, h("thead", {}, headRow), body)), pager);
    function visible() {
      const text = state.text;
      return spec.rows.filter(r => (spec.filters || []).every(f => !state.filters[f.label] || String(f.value(r)) === state.filters[f.label])
        && (spec.toggles || []).every(t => !state.filters[t.label] || t.test(r))
        && (!text || spec.search(r).toLowerCase().includes(text)));
    }
    function draw() {
      const col = spec.columns.find(c => c.key === state.key);
      const list = visible();
      if (col) list.sort((a, b) => {
        const x = col.sort(a), y = col.sort(b);
        if (x === y) return 0;
        if (x === null || x === undefined) return 1;
        if (y === null || y === undefined) return -1;
        return (x < y ? -1 : 1) * state.dir;
      });
      for (const c of spec.columns) c.th.setAttribute("aria-sort", c === col ? (state.dir > 0 ? "ascending" : "descending") : "none");
      const pages = Math.max(1, Math.ceil(list.length / size));
      state.page = Math.min(state.page, pages - 1);
      const shown = list.slice(state.page * size, (state.page + 1) * size);
      body.replaceChildren(...shown.map(r => h("tr", {}, ...spec.columns.map(c => {
        const v = c.render(r);
        return h("td", {class: (c.num ? "num " : "") + (c.mono ? "mono" : "")}, v);
      }))));
      count.textContent = `${list.length} of ${spec.rows.length} ${spec.noun}`;
      count.setAttribute("data-count", String(list.length));
      pager.replaceChildren();
      if (pages > 1) {
        const prev = h("button", {type: "button", text: "‹ previous", disabled: state.page === 0});
        const next = h("button", {type: "button", text: "next ›", disabled: state.page >= pages - 1});
        prev.addEventListener("click", () => { state.page--; draw(); });
        next.addEventListener("click", () => { state.page++; draw(); });
        pager.append(prev, h("span", {text: `page ${state.page + 1} of ${pages}`}), next);
      }
    }
    draw();
  }

  const search = r => `${r.model} ${r.task} ${r.family} ${r.language}`;
  const deltaCell = r => {
    if (r.delta === null) return "–";
    const span = h("span", {text: (r.delta > 0 ? "+" : "") + num(r.delta)});
    const tag = r.ref_match === "yes" ? null : h("span", {class: "tag warn",
      title: `published setting: ${r.ref_setting}; protocol match: ${r.ref_match}`, text: r.ref_match === "no" ? "protocol differs" : "protocol ?"});
    return h("span", {title: `published ${num(r.ref_score)} — ${r.ref_source}`}, span, tag);
  };
  const board = document.getElementById("leaderboard-table");
  if (board) table(board, {
    rows, noun: "model × task cells", sortKey: "score", sortDir: -1, search,
    filters: [{label: "family", value: r => r.family}, {label: "size", value: r => r.size}, {label: "suite", value: r => r.suite}],
    toggles: [{label: "with a published reference", test: r => r.ref_score !== null}],
    columns: [
      {key: "model", label: "model", sort: r => r.model,
       render: r => r.dry ? h("span", {}, r.model, h("span", {class: "tag dry", title: "backend: fake, not a measurement", text: "dry run"})) : r.model},
      {key: "task", label: "task", sort: r => r.task, render: r => cellLink(r.model, r.task, r.task)},
      {key: "suite", label: "suite", sort: r => r.suite, render: r => r.suite},
      {key: "language", label: "lang", sort: r => r.language, render: r => r.language},
      {key: "score", label: "score %", num: true, sort: r => r.score, render: r => pct(r.score)},
      {key: "ci", label: "95% CI", num: true, sort: r => r.ci_high - r.ci_low, render: r => `${pct(r.ci_low)}–${pct(r.ci_high)}`},
      {key: "n", label: "n", num: true, sort: r => r.n, render: r => String(r.n), title: "items (k samples of an item count once)"},
      {key: "trunc", label: "truncated %", num: true, sort: r => r.trunc_rate, render: r => r.trunc_rate ? cellLink(r.model, r.task, pct(r.trunc_rate), "truncated") : "0.0"},
      {key: "ungradable", label: "ungradable", num: true, sort: r => r.n_ungradable, render: r => String(r.n_ungradable)},
      {key: "tokens", label: "out tokens", num: true, sort: r => r.tokens, render: r => num(r.tokens, 0)},
      {key: "delta", label: "Δ published", num: true, sort: r => r.delta, render: deltaCell, title: "points: measured − published"},
      {key: "notes", label: "notes", sort: null, render: r => h("span", {class: "muted", text: [r.notes.some(n => n.startsWith("imported evidence")) ? "imported" : "", r.limit ? `--limit ${r.limit}` : "", r.metric !== "accuracy" ? r.metric : "", ...Object.entries(r.other_metrics).map(([k, v]) => `${k} ${pct(v)}`)].filter(Boolean).join(" · "), title: r.notes.join("\n") || null})},
    ],
  });

  /* ---------------------------------------------------------------- models ranked per suite */
  const rankRoot = document.getElementById("ranking");
  if (rankRoot && DATA.rankings.length) {
    const suites = [...DATA.rankings].sort((a, b) => b.tasks.length - a.tasks.length);
    const suiteSel = h("select", {"aria-label": "suite", id: "ranking-suite"},
                       ...DATA.rankings.map(k => h("option", {value: k.suite, text: `suite: ${k.suite} (${k.tasks.length} tasks)`})));
    suiteSel.value = suites[0].suite;
    const colSel = h("select", {"aria-label": "columns", id: "ranking-columns"},
                     h("option", {value: "tasks", text: "columns: tasks"}), h("option", {value: "languages", text: "columns: languages"}));
    const holder = h("div", {id: "ranking-table"});
    rankRoot.append(h("div", {class: "controls"}, suiteSel, colSel), holder);
    const drawRanking = () => {
      const k = DATA.rankings.find(x => x.suite === suiteSel.value);
      colSel.disabled = !k.languages.length;
      if (!k.languages.length) colSel.value = "tasks";
      const byLang = colSel.value === "languages";
      const list = k.models.map((m, i) => ({model: m[0], family: m[1], size: m[2], score: m[3], lo: m[4], hi: m[5],
                                            covered: m[6], tasks: m[7], langs: m[8], dry: m[9], rank: i + 1}));
      const pivot = byLang
        ? k.languages.map((l, j) => ({key: "l:" + l, label: l, num: true, sort: r => r.langs[j], render: r => pct(r.langs[j]),
                                      title: `${l}: mean chance-normalised score % over the suite's benchmarks in ${l}`}))
        : k.tasks.map((t, j) => ({key: "t:" + t, label: t, num: true, sort: r => r.tasks[j],
                                  render: r => r.tasks[j] === null ? "–" : cellLink(r.model, t, pct(r.tasks[j])),
                                  title: `${t}: score % (chance ${pct(k.chance[j])})`}));
      holder.replaceChildren();
      table(holder, {
        rows: list, noun: "models", sortKey: "rank", sortDir: 1, search: r => `${r.model} ${r.family}`, pageSize: 50,
        filters: [{label: "family", value: r => r.family}, {label: "size", value: r => r.size}],
        columns: [
          {key: "rank", label: "#", num: true, sort: r => r.rank, render: r => String(r.rank),
           title: "rank by aggregate, models covering every task of the suite first"},
          {key: "model", label: "model", sort: r => r.model,
           render: r => r.dry ? h("span", {}, r.model, h("span", {class: "tag dry", text: "dry run"})) : r.model},
          {key: "size", label: "size", sort: r => r.size, render: r => r.size},
          {key: "agg", label: "aggregate %", num: true, sort: r => r.score, render: r => h("b", {text: pct(r.score)}),
           title: "mean over the covered tasks of (score − chance) / (1 − chance): 0 = guessing, 100 = all right"},
          {key: "ci", label: "95% CI", num: true, sort: r => r.hi - r.lo, render: r => `${pct(r.lo)}–${pct(r.hi)}`},
          {key: "coverage", label: "tasks", num: true, sort: r => r.covered, render: r => `${r.covered}/${k.tasks.length}`,
           title: "tasks of the suite this model has runs of; aggregates over different task sets are not comparable"},
          ...pivot,
        ],
      });
    };
    suiteSel.addEventListener("change", drawRanking);
    colSel.addEventListener("change", drawRanking);
    drawRanking();
  }

  const prov = document.getElementById("provenance-table");
  if (prov) table(prov, {
    rows, noun: "runs", sortKey: "model", sortDir: 1, search, pageSize: 50,
    filters: [{label: "device", value: r => DATA.envs[r.env].device}],
    columns: [
      {key: "model", label: "model", sort: r => r.model, render: r => r.model},
      {key: "task", label: "task", sort: r => r.task, render: r => cellLink(r.model, r.task, r.task)},
      {key: "run_key", label: "run key", mono: true, sort: r => r.run_key, render: r => r.run_key},
      {key: "revision", label: "model revision", mono: true, sort: r => r.revision, render: r => h("span", {title: r.revision || "", text: short(r.revision)})},
      {key: "weights", label: "weights sha256", mono: true, sort: r => r.weights_hash, render: r => h("span", {title: r.weights_hash || "", text: short(r.weights_hash)})},
      {key: "data", label: "data sha256", mono: true, sort: null, render: r => h("span", {}, ...Object.entries(r.data_files).map(([f, s]) => h("div", {title: `${f}: ${s}`, text: `${f.split("/").pop()} ${short(s, 10)}`})))},
      {key: "packages", label: "packages", mono: true, sort: null, render: r => Object.entries(DATA.envs[r.env].packages).filter(([, v]) => v).map(([k, v]) => `${k} ${v}`).join(", ")},
      {key: "device", label: "device", sort: r => DATA.envs[r.env].device, render: r => DATA.envs[r.env].device},
      {key: "git", label: "harness", mono: true, sort: null, render: r => `${DATA.envs[r.env].harness_version} ${short(DATA.envs[r.env].git_commit, 8)}`},
      {key: "finished", label: "finished", sort: r => r.finished_at, render: r => r.finished_at || "–"},
      {key: "notes", label: "selection notes", sort: null, render: r => h("span", {class: "muted", text: [r.limit ? `--limit ${r.limit}` : "", ...r.notes].filter(Boolean).join("; ") || ""})},
    ],
  });

  /* ---------------------------------------------------------------- heatmap numbers */
  for (const node of document.querySelectorAll("details.heat-numbers")) {
    node.addEventListener("toggle", () => {
      if (!node.open || node.dataset.drawn) return;
      node.dataset.drawn = "1";
      const hm = DATA.heat.find(x => x.group === node.dataset.group);
      const head = h("tr", {}, h("th", {text: "model"}), ...hm.languages.map(l => h("th", {text: l})), h("th", {text: "non-en / en", title: "– when English is within 5 points of chance"}),
                     h("th", {text: "non-en − en (95% CI)"}));
      const body = hm.models.map((m, i) => h("tr", {}, h("th", {text: m}), ...hm.languages.map((l, j) => {
        const v = hm.scores[i][j];
        const bg = v === null ? "#eee" : `hsl(${Math.round(120 * v)}, 55%, ${Math.round(88 - 30 * v)}%)`;
        return h("td", {style: `background:${bg}`}, v === null ? "" : cellLink(m, hm.cells[i][j], (100 * v).toFixed(0)));
      }), h("td", {class: "num", text: hm.relative[m] === null ? "–" : `${(100 * hm.relative[m]).toFixed(0)}%`}),
      h("td", {class: "num", text: hm.difference[m] ? `${num(100 * hm.difference[m][0])} [${num(100 * hm.difference[m][1])}, ${num(100 * hm.difference[m][2])}]` : "–"})));
      node.append(h("div", {class: "scroll"}, h("table", {class: "heat"}, h("thead", {}, head), h("tbody", {}, ...body))));
    });
  }

})();
