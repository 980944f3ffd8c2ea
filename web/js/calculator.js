// infercost web: the calculator — the summary of /api/v1/report (the CLI's JSON report).
'use strict';

(function () {
  const controls = document.getElementById('controls');
  IC.resetLink('reset');

  function kpi(label, value, band) {
    return `<div class="kpi"><div class="label">${label}</div><div class="value">${value}</div>` +
      `<div class="band">${band || '&nbsp;'}</div></div>`;
  }
  function bandText(b) {
    if (!b) return '';
    return `band ${IC.seconds(b.low_s)} – ${IC.seconds(b.high_s)}${b.calibrated ? '' : ' (uncalibrated)'}`;
  }

  function renderSummary(report, lists) {
    const s = report.summary, sc = report.scenario;
    document.getElementById('scenario-line').textContent = IC.describe(sc);
    const bands = s.bands || {};
    const mem = s.memory;
    document.getElementById('kpis').innerHTML = [
      kpi('Time to first token', IC.seconds(s.ttft_s), bandText(bands.ttft)),
      kpi('Time per output token', IC.seconds(s.tpot_s), bandText(bands.tpot)),
      kpi('End to end', IC.seconds(s.e2e_s), bandText(bands.e2e)),
      kpi('Tokens/s per user', IC.rate(s.tokens_per_s_per_user), 'output tokens one sequence sees'),
      kpi('Tokens/s aggregate', IC.rate(s.tokens_per_s_aggregate), `all ${sc.concurrency} sequences`),
      kpi('Tokens/s per GPU', IC.rate(s.tokens_per_s_per_gpu), `${sc.gpus} GPUs`),
      kpi('Fits', mem.fits ? '<span class="pill good">fits</span>' : '<span class="pill bad">does not fit</span>',
        `max concurrency ${mem.max_concurrency.toLocaleString('en-US')}`),
      kpi('$ per million output tokens', IC.usd(s.cost.usd_per_million_output_tokens),
        `input: ${IC.usd(s.cost.usd_per_million_input_tokens)} per million`),
    ].join('');

    // Memory per GPU: a stacked bar of the capacity.
    const g = mem.per_gpu;
    const parts = [['weights', g.weights_bytes, 'var(--weights)'], ['KV cache', g.kv_bytes, 'var(--kv)'],
      ['activations', g.activation_bytes, 'var(--act)'], ['reserve', g.reserve_bytes, 'var(--reserve)'],
      ['free', Math.max(0, g.free_bytes), 'var(--free)']];
    const total = Math.max(g.capacity_bytes, parts.slice(0, 4).reduce((a, p) => a + p[1], 0));
    const bar = parts.map(([name, v, color]) =>
      `<div title="${name}: ${IC.bytes(v)}" style="width:${(100 * v / total).toFixed(3)}%;background:${color}"></div>`).join('');
    document.getElementById('memory').innerHTML =
      `<div class="membar" id="membar">${bar}</div>` +
      `<div class="legend">${parts.map(([name, v, color]) => `<span><i style="background:${color}"></i>${name} ${IC.bytes(v)}</span>`).join('')}</div>` +
      `<p class="muted" style="margin:8px 0 0">capacity ${IC.bytes(g.capacity_bytes)} per GPU · ` +
      (g.free_bytes < 0 ? `<span class="up">over by ${IC.bytes(-g.free_bytes)}</span>` : `free ${IC.bytes(g.free_bytes)}`) +
      ` · KV cache ${IC.bytes(report.kv_cache_bytes_per_token)} per token (${IC.bytes(report.kv_cache_bytes_per_token_per_gpu)} on one GPU)` +
      ` · at most ${mem.max_concurrency.toLocaleString('en-US')} sequences of ${sc.input_tokens + sc.output_tokens} tokens</p>`;

    const c = s.confidence;
    document.getElementById('cost').innerHTML =
      `<table class="data"><tr><th>per million tokens</th><th>$</th></tr>` +
      `<tr><td>input (prefill)</td><td>${IC.usd(s.cost.usd_per_million_input_tokens)}</td></tr>` +
      `<tr><td>output (decode)</td><td>${IC.usd(s.cost.usd_per_million_output_tokens)}</td></tr></table>` +
      `<p style="margin:12px 0 4px">Confidence <span class="pill ${c.level}" id="confidence">${c.level} ±${Math.round(100 * c.band)}%</span></p>` +
      `<ul class="notes">${(c.reasons || []).map(r => `<li>${IC.esc(r)}</li>`).join('')}</ul>` +
      (bands.coverage ? `<p class="muted" style="margin:6px 0 0">Time bands cover ${Math.round(100 * bands.coverage)}% of the public measurements of their regime.</p>` : '');
    document.getElementById('notes').innerHTML = (s.notes || []).map(n => `<li>${IC.esc(n)}</li>`).join('') ||
      '<li>none</li>';
    renderRoofline(report, lists);
  }

  function renderRoofline(report, lists) {
    const sc = report.scenario;
    const device = (lists.hardware || []).find(h => h.name === sc.hardware);
    const points = { prefill: [], decode: [] };
    for (const stage of ['prefill', 'decode']) {
      for (const p of report.stages[stage].phases) {
        const work = p.flops + p.vector_flops;
        if (!(p.time_s > 0) || !(p.arithmetic_intensity > 0) || work <= 0) continue;
        points[stage].push({ x: p.arithmetic_intensity, y: work / sc.gpus / p.time_s, phase: p.phase, bound: p.bound });
      }
    }
    const datasets = [
      // Decode drawn on top (lower order): its weight-streaming phases share the bandwidth roof
      // with the prefill's LM head at ~2 FLOPs per byte.
      { label: 'prefill', data: points.prefill, backgroundColor: '#7b4fd6', pointRadius: 5, order: 2 },
      { label: 'decode step', data: points.decode, backgroundColor: '#e0562b', pointRadius: 6, pointStyle: 'rectRot', order: 1 },
    ];
    if (device) {
      const peaks = device.matrix_flops_per_s;
      const peak = peaks[sc.activations] || peaks.bf16 || Math.max(...Object.values(peaks));
      const bw = device.memory_bandwidth_bytes_per_s;
      const xs = [...points.prefill, ...points.decode].map(p => p.x);
      const lo = Math.min(0.1, ...xs) / 2, hi = Math.max(1e4, ...xs) * 2;
      const ridge = peak / bw;
      datasets.push({ label: `roof: ${IC.flops(peak)}FLOP/s ${sc.activations}, ${IC.bytes(bw)}/s`, type: 'line',
        data: [{ x: lo, y: lo * bw }, { x: ridge, y: peak }, { x: hi, y: peak }],
        borderColor: '#141a2a', borderWidth: 1.5, pointRadius: 0, fill: false, order: 3 });
    }
    IC.chart('roofline', {
      type: 'scatter',
      data: { datasets },
      options: {
        scales: {
          x: { type: 'logarithmic', title: { display: true, text: 'arithmetic intensity (FLOPs per byte)' } },
          y: { type: 'logarithmic', title: { display: true, text: 'achieved FLOP/s per GPU' }, ticks: IC.logTicks('') },
        },
        plugins: {
          tooltip: { callbacks: { label: ctx => ctx.raw.phase ? `${ctx.dataset.label} ${ctx.raw.phase}: ${IC.g3(ctx.raw.x)} FLOP/B, ${IC.flops(ctx.raw.y)}FLOP/s (${ctx.raw.bound})` : ctx.dataset.label } },
        },
      },
    });
  }

  async function load() {
    IC.busy(true);
    const lists = await IC.loadLists();
    const r = await IC.api('report', IC.apiQuery(IC.state));
    IC.busy(false);
    const resolved = r.ok ? r.json.scenario : await IC.defaultScenario();
    IC.renderControls(controls, IC.SCENARIO_FIELDS, lists, '', resolved, load);
    const result = document.getElementById('result');
    if (!r.ok) {
      IC.showError(r.error);
      result.style.opacity = '0.3';
      return;
    }
    IC.showError('');
    result.style.opacity = '1';
    renderSummary(r.json, lists);
  }
  load();
})();
