// infercost web: compare — two scenarios side by side (/api/v1/compare, the CLI's compare JSON).
'use strict';

(function () {
  const HEADLINE = [
    ['summary.ttft_s', 'Time to first token', IC.seconds, true],
    ['summary.tpot_s', 'Time per output token', IC.seconds, true],
    ['summary.e2e_s', 'End to end', IC.seconds, true],
    ['summary.tokens_per_s_per_user', 'Tokens/s per user', IC.rate, false],
    ['summary.tokens_per_s_aggregate', 'Tokens/s aggregate', IC.rate, false],
    ['summary.tokens_per_s_per_gpu', 'Tokens/s per GPU', IC.rate, false],
    ['summary.memory.per_gpu.weights_bytes', 'Weights per GPU', IC.bytes, true],
    ['summary.memory.per_gpu.kv_bytes', 'KV cache per GPU', IC.bytes, true],
    ['summary.memory.per_gpu.free_bytes', 'Free per GPU', IC.bytes, false],
    ['summary.memory.fits', 'Fits', v => (v ? 'yes' : 'no'), false],
    ['summary.memory.max_concurrency', 'Max concurrency', v => v.toLocaleString('en-US'), false],
    ['summary.cost.usd_per_million_input_tokens', '$ per million input tokens', IC.usd, true],
    ['summary.cost.usd_per_million_output_tokens', '$ per million output tokens', IC.usd, true],
    ['summary.confidence.level', 'Confidence', v => v, false],
  ];
  IC.resetLink('reset');
  // A first visit compares something: the default scenario on an H100 SXM against a B200.
  if (![...IC.state.keys()].some(k => k.startsWith('a.') || k.startsWith('b.'))) {
    IC.state.set('b.hardware', 'b200');
    IC.pushState();
  }
  const only = document.getElementById('only-different');
  only.checked = IC.state.get('only-different') === 'true';
  only.addEventListener('change', () => {
    if (only.checked) IC.state.set('only-different', 'true'); else IC.state.delete('only-different');
    IC.pushState();
    load();
  });

  function cell(v, format) {
    if (v === null || v === undefined) return '-';
    if (typeof v === 'number' && format) return format(v);
    if (typeof v === 'boolean' && format) return format(v);
    if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString('en-US') : IC.g3(v);
    return IC.esc(String(v));
  }
  function delta(m, format, lowerIsBetter) {
    if (m.difference === undefined) return ['', ''];
    const d = m.difference;
    const cls = d === 0 || lowerIsBetter === null ? '' : ((d < 0) === lowerIsBetter ? 'down' : 'up');
    const text = format && format !== IC.rate ? (d > 0 ? '+' : d < 0 ? '−' : '') + format(Math.abs(d)) : (d > 0 ? '+' : '') + IC.g3(d);
    const ratio = m.ratio === null || m.ratio === undefined ? '-' : IC.g3(m.ratio) + '×';
    return [`<span class="${cls}">${text}</span>`, ratio];
  }

  function render(out) {
    const byMetric = {};
    for (const m of out.metrics) byMetric[m.metric] = m;
    let head = `<tr><th>metric</th><th id="col-a">A · ${IC.esc(out.a.model)} on ${out.a.gpus}× ${IC.esc(out.a.hardware)}</th>` +
      `<th id="col-b">B · ${IC.esc(out.b.model)} on ${out.b.gpus}× ${IC.esc(out.b.hardware)}</th><th>B − A</th><th>B / A</th></tr>`;
    for (const [key, label, format, lowerIsBetter] of HEADLINE) {
      const m = byMetric[key];
      if (!m) continue;
      const [d, r] = delta(m, format, lowerIsBetter);
      head += `<tr class="${m.differs ? 'differs' : ''}"><td>${label}</td><td class="a">${cell(m.a, format)}</td><td class="b">${cell(m.b, format)}</td><td>${d}</td><td>${r}</td></tr>`;
    }
    document.getElementById('headline').innerHTML = head;
    let all = '<tr><th>metric</th><th>A</th><th>B</th><th>B − A</th><th>B / A</th></tr>';
    for (const m of out.metrics) {
      const [d, r] = delta(m, null, null);
      all += `<tr class="${m.differs ? 'differs' : ''}"><td>${IC.esc(m.metric)}</td><td>${cell(m.a)}</td><td>${cell(m.b)}</td><td>${d}</td><td>${r}</td></tr>`;
    }
    document.getElementById('metrics').innerHTML = all;
  }

  async function load() {
    IC.busy(true);
    const lists = await IC.loadLists();
    const r = await IC.api('compare', IC.apiQuery(IC.state));
    IC.busy(false);
    const defaults = r.ok ? null : await IC.defaultScenario();
    IC.renderControls(document.getElementById('controls-a'), IC.SCENARIO_FIELDS, lists, 'a.', r.ok ? r.json.a : defaults, load);
    IC.renderControls(document.getElementById('controls-b'), IC.SCENARIO_FIELDS, lists, 'b.', r.ok ? r.json.b : defaults, load);
    if (!r.ok) {
      IC.showError(r.error);
      return;
    }
    IC.showError('');
    render(r.json);
  }
  load();
})();
