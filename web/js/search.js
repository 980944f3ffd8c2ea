// infercost web: search — every candidate deployment (/api/v1/search, the CLI's search JSON), the
// Pareto frontier as a chart with the picked configuration highlighted.
'use strict';

(function () {
  const FIELDS = [
    { key: 'model', label: 'Model', list: 'models' },
    { key: 'hardware', label: 'Hardware (a,b,…)', placeholder: 'every device with a price' },
    { key: 'gpus', label: 'GPU counts', placeholder: '1,2,4,8' },
    { key: 'engine', label: 'Engines', placeholder: 'vllm' },
    { key: 'weights', label: 'Weight dtypes', placeholder: 'bf16,fp8' },
    { key: 'kv', label: 'KV dtypes', placeholder: 'fp8' },
    { key: 'mode', label: 'Modes', placeholder: 'static' },
    { key: 'input-tokens', label: 'Input tokens', placeholder: '500' },
    { key: 'output-tokens', label: 'Output tokens', placeholder: '500' },
    { key: 'concurrency', label: 'Concurrency', placeholder: '1' },
    { key: 'max-ttft', label: 'Max TTFT (s)', placeholder: 'none' },
    { key: 'max-tpot', label: 'Max TPOT (s)', placeholder: 'none' },
    { key: 'max-gpus', label: 'Max GPUs', placeholder: 'none' },
    { key: 'max-usd-per-hour', label: 'Max $/hour', placeholder: 'none' },
  ];
  IC.resetLink('reset');
  let last = null;

  function describe(c) {
    return `${c.hardware} ×${c.gpus} · TP ${c.tp} PP ${c.pp} DP ${c.dp}${c.ep > 1 ? ' EP ' + c.ep : ''} · ${c.engine} · w ${c.weights} kv ${c.kv} · ${c.mode}`;
  }
  function same(a, b) {
    return ['hardware', 'gpus', 'tp', 'pp', 'dp', 'ep', 'engine', 'weights', 'kv', 'mode'].every(k => a[k] === b[k]);
  }
  function calculatorLink(c, out) {
    const q = new URLSearchParams({
      model: out.model, hardware: c.hardware, gpus: c.gpus, tp: c.tp, pp: c.pp, dp: c.dp, ep: c.ep,
      engine: c.engine, weights: c.weights, kv: c.kv, mode: c.mode,
      'input-tokens': out.input_tokens, 'output-tokens': out.output_tokens,
    });
    if (IC.state.get('concurrency')) q.set('concurrency', IC.state.get('concurrency'));
    return '/?' + q.toString();
  }

  function pickedIndex(out) {
    const p = parseInt(IC.state.get('pick'), 10);
    if (Number.isInteger(p) && p >= 0 && p < out.candidates.length && out.candidates[p].tokens_per_s_per_user !== undefined) return p;
    const best = Object.values(out.best).find(b => b);
    return best ? out.candidates.findIndex(c => same(c, best)) : -1;
  }

  function render(out) {
    document.getElementById('counts').textContent =
      `${out.model}, ${out.input_tokens} in / ${out.output_tokens} out: ${out.configurations} configurations, ` +
      `${out.pruned} pruned (over budget), ${out.invalid} not valid, ${out.feasible} feasible, ${out.frontier.length} on the frontier.`;
    const pick = pickedIndex(out);
    const picked = pick >= 0 ? out.candidates[pick] : null;
    const point = (c, i) => ({ x: c.tokens_per_s_per_user, y: c.tokens_per_s_per_gpu, i, c });
    const evaluated = out.candidates.map(point).filter(p => p.c.tokens_per_s_per_user > 0 && p.c.tokens_per_s_per_gpu > 0);
    const frontier = out.frontier.map(f => evaluated.find(p => same(p.c, f))).filter(Boolean);
    const datasets = [
      { label: 'on the frontier', data: frontier, showLine: true, borderColor: '#3056d3', backgroundColor: '#3056d3', pointRadius: 5 },
      { label: 'feasible', data: evaluated.filter(p => p.c.feasible), backgroundColor: 'rgba(102,112,133,.45)', pointRadius: 3 },
      { label: 'infeasible', data: evaluated.filter(p => !p.c.feasible), backgroundColor: 'rgba(192,57,43,.35)', pointStyle: 'crossRot', borderColor: 'rgba(192,57,43,.5)', pointRadius: 3 },
    ];
    if (picked && picked.tokens_per_s_per_user > 0) {
      datasets.unshift({ label: 'picked', data: [point(picked, pick)], backgroundColor: '#e0562b', borderColor: '#141a2a', borderWidth: 2, pointRadius: 10, pointStyle: 'star' });
    }
    IC.chart('frontier-chart', {
      type: 'scatter',
      data: { datasets },
      options: {
        scales: {
          x: { type: 'logarithmic', title: { display: true, text: 'tokens/s per user' } },
          y: { type: 'logarithmic', title: { display: true, text: 'tokens/s per GPU' } },
        },
        onClick: (e, elements) => {
          if (!elements.length) return;
          const el = elements[0];
          choose(datasets[el.datasetIndex].data[el.index].i);
        },
        plugins: { tooltip: { callbacks: { label: ctx => describe(ctx.raw.c) + ` — ${IC.rate(ctx.raw.x)} tok/s/user, ${IC.rate(ctx.raw.y)} tok/s/GPU` } } },
      },
    });

    document.getElementById('picked').innerHTML = picked ?
      `<p id="picked-config"><strong>${IC.esc(describe(picked))}</strong></p>` +
      `<table class="data"><tr><td>tokens/s per user</td><td>${IC.rate(picked.tokens_per_s_per_user)}</td></tr>` +
      `<tr><td>tokens/s per GPU</td><td>${IC.rate(picked.tokens_per_s_per_gpu)}</td></tr>` +
      `<tr><td>TTFT · TPOT</td><td>${IC.seconds(picked.ttft_s)} · ${IC.seconds(picked.tpot_s)}</td></tr>` +
      `<tr><td>$ per million output tokens</td><td>${IC.usd(picked.usd_per_million_tokens)}</td></tr>` +
      `<tr><td>$ per hour</td><td>${IC.usd(picked.usd_per_hour)}</td></tr>` +
      `<tr><td>feasible</td><td>${picked.feasible ? 'yes' : IC.esc(picked.why_infeasible || 'no')}</td></tr></table>` +
      `<p><a href="${calculatorLink(picked, out)}">open in the calculator</a></p>` :
      '<p class="muted">nothing feasible to pick</p>';

    let best = '<tr><th>objective</th><th>configuration</th><th>tok/s/user</th><th>tok/s/GPU</th><th>$/M tok</th></tr>';
    for (const [name, c] of Object.entries(out.best)) {
      best += c ? `<tr class="clickable" data-i="${out.candidates.findIndex(x => same(x, c))}"><td>${IC.esc(name)}</td><td>${IC.esc(describe(c))}</td><td>${IC.rate(c.tokens_per_s_per_user)}</td><td>${IC.rate(c.tokens_per_s_per_gpu)}</td><td>${IC.usd(c.usd_per_million_tokens)}</td></tr>` :
        `<tr><td>${IC.esc(name)}</td><td colspan="4">none feasible</td></tr>`;
    }
    document.getElementById('best').innerHTML = best;
    let rows = '<tr><th>configuration</th><th>tok/s/user</th><th>tok/s/GPU</th><th>TTFT</th><th>TPOT</th><th>$/M tok</th><th>$/h</th></tr>';
    for (const p of frontier) {
      const c = p.c;
      rows += `<tr class="clickable ${p.i === pick ? 'picked' : ''}" data-i="${p.i}"><td>${IC.esc(describe(c))}</td><td>${IC.rate(c.tokens_per_s_per_user)}</td><td>${IC.rate(c.tokens_per_s_per_gpu)}</td>` +
        `<td>${IC.seconds(c.ttft_s)}</td><td>${IC.seconds(c.tpot_s)}</td><td>${IC.usd(c.usd_per_million_tokens)}</td><td>${IC.usd(c.usd_per_hour)}</td></tr>`;
    }
    document.getElementById('frontier').innerHTML = rows;
    for (const tr of document.querySelectorAll('tr.clickable')) tr.addEventListener('click', () => choose(parseInt(tr.dataset.i, 10)));
  }

  function choose(i) {
    if (!(i >= 0)) return;
    IC.state.set('pick', String(i));
    IC.pushState();
    if (last) render(last);
  }

  async function load() {
    IC.busy(true, 'searching every configuration…');
    const lists = await IC.loadLists();
    IC.renderControls(document.getElementById('controls'), FIELDS, lists, '', null, () => { IC.state.delete('pick'); IC.pushState(); });
    const r = await IC.api('search', IC.apiQuery(IC.state));
    IC.busy(false);
    if (!r.ok) {
      IC.showError(r.error);
      return;
    }
    IC.showError('');
    last = r.json;
    render(r.json);
  }
  document.getElementById('run').addEventListener('click', load);
  load();
})();
