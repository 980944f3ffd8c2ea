// infercost web: the atlas — the five sections of a forward step as cards, each phase with live
// meters for the chosen scenario's prefill and decode step (/api/v1/report, whole model, whole
// batch; the CLI's display rules).
'use strict';

(function () {
  const SECTIONS = [
    ['vocabulary', 'Vocabulary', 'Token IDs in, a table lookup, and at the end a d×V matmul and a choice over the vocabulary.'],
    ['norm', 'Norm', 'RMSNorm (or LayerNorm) before attention and before the FFN in every layer, and one at the end. Element-wise: matrix FLOPs 0.'],
    ['attention', 'Attention', 'Q/K/V projections, the Q·Kᵀ quadratic, softmax, attn·V (the KV-cache reader) and the output projection. Where context length pays its bill.'],
    ['ffn', 'FFN', 'Gate and up projections, the activation, the down projection — or, in MoE layers, a router and the experts it picks.'],
    ['stack', 'Stack × autoregress', 'L layers per token, paid again for every output token; the KV cache grows by one row per layer per step.'],
  ];
  const PHASES = {
    token_ids: ['Token IDs', 'Integers in: no compute, no bytes.'],
    embedding: ['Embedding lookup', 'One row of the V×d table per token; FLOPs 0.'],
    lm_head: ['LM head', 'The d×V matmul that scores every vocabulary entry.'],
    sampling: ['Sampling', 'Softmax over the vocabulary and top-k.'],
    attn_norm: ['Norm before attention', 'One norm vector of d in every layer.'],
    ffn_norm: ['Norm before the FFN', 'The second norm of every layer.'],
    final_norm: ['Final norm', 'Once, before the LM head.'],
    q_a_proj: ['Q down-projection (MLA)', 'hidden → the query latent (q_lora_rank).'],
    q_b_proj: ['Q up-projection (MLA)', 'query latent → every head\'s query.'],
    q_proj: ['Q projection', 'hidden → H_q query heads.'],
    kv_a_proj: ['KV down-projection (MLA)', 'hidden → the compressed latent the cache keeps, plus the rotary key.'],
    kv_b_proj: ['KV up-projection (MLA)', 'latent → per-head keys and values, on demand.'],
    k_proj: ['K projection', 'hidden → H_kv key heads (GQA: a fraction of Q).'],
    v_proj: ['V projection', 'hidden → H_kv value heads.'],
    qk_scores: ['Q · Kᵀ scores', 'No weights, quadratic in N: every query reads the whole K cache.'],
    softmax: ['Softmax', 'Scores into probabilities, row by row; fused away by flash kernels.'],
    attn_v: ['Attn · V', 'Probabilities weight every cached V: the V cache is read again.'],
    o_proj: ['O projection', 'Heads concatenated and projected back to hidden.'],
    moe_router: ['MoE router', 'Scores the experts and picks the top-k per token.'],
    ffn_gate: ['Gate projection', 'd → d_ff (SwiGLU\'s gate).'],
    ffn_up: ['Up projection', 'd → d_ff, one matrix.'],
    ffn_act: ['Activation', 'silu(gate) ⊙ up: element-wise, matrix FLOPs 0.'],
    ffn_down: ['Down projection', 'd_ff → d.'],
    moe_experts: ['Routed experts', 'Memory holds all experts; bandwidth pays for the ones touched.'],
    moe_shared_experts: ['Shared experts', 'Experts every token goes through.'],
  };
  const METERS = [
    ['params', 'Params', IC.params, true],
    ['flops', 'FLOPs', IC.flops, true],
    ['weight_bytes', 'Bytes/step', IC.bytes, true],
    ['kv_read_bytes', 'KV bytes', IC.bytes, false],
    ['kv_write_bytes', 'KV written', IC.bytes, false],
    ['comm_bytes', 'Comm bytes', IC.bytes, false],
    ['time_s', 'Time', IC.seconds, true],
  ];
  const controls = document.getElementById('controls');
  IC.resetLink('reset');
  document.getElementById('to-calculator').addEventListener('click', e => {
    e.preventDefault();
    const q = IC.apiQuery(IC.state);
    window.location.href = '/' + (q ? '?' + q : '');
  });

  function meterCell(stage, phase, key, value, max, format) {
    const width = max > 0 ? Math.max(0, Math.min(100, 100 * value / max)) : 0;
    return `<div class="meter ${stage}" data-stage="${stage}" data-phase="${phase}" data-metric="${key}">` +
      `${format(value)}<div class="bar"><div style="width:${width.toFixed(2)}%"></div></div></div>`;
  }

  function card(id, title, blurb, rowsHtml, extra) {
    return `<div class="card" id="card-${id}"><h3>${IC.esc(title)}</h3><div class="id">${IC.esc(id)}</div>` +
      `<div class="blurb">${IC.esc(blurb)}</div><div class="meters"><span></span><span class="h">prefill</span>` +
      `<span class="h">decode</span>${rowsHtml}</div>${extra || ''}</div>`;
  }

  function render(report) {
    const stages = report.stages;
    const byStage = {};
    const max = { prefill: {}, decode: {} };
    for (const stage of ['prefill', 'decode']) {
      byStage[stage] = {};
      for (const p of stages[stage].phases) {
        byStage[stage][p.phase] = p;
        for (const [key] of METERS) max[stage][key] = Math.max(max[stage][key] || 0, p[key] || 0);
      }
    }
    const order = stages.decode.phases.map(p => p.phase);
    for (const p of stages.prefill.phases) if (!order.includes(p.phase)) order.push(p.phase);
    let html = '';
    SECTIONS.forEach(([section, title, text], i) => {
      html += `<div class="section-head" id="section-${section}"><span class="num">${i + 1}</span><h2>${title}</h2><p>${text}</p></div><div class="cards">`;
      const known = ['vocabulary', 'norm', 'attention', 'ffn'];
      if (section === 'stack') html += stackCards(report);
      {
        for (const phase of order) {
          const any = byStage.decode[phase] || byStage.prefill[phase];
          // Phases of another section (communication, a plugin's own) join the stack.
          const home = known.includes(any.section) ? any.section : 'stack';
          if (home !== section) continue;
          let rows = '';
          for (const [key, label, format, always] of METERS) {
            const pv = byStage.prefill[phase] ? byStage.prefill[phase][key] || 0 : 0;
            const dv = byStage.decode[phase] ? byStage.decode[phase][key] || 0 : 0;
            if (!always && pv === 0 && dv === 0) continue;
            rows += `<span>${label}</span>` + meterCell('prefill', phase, key, pv, max.prefill[key], format) +
              meterCell('decode', phase, key, dv, max.decode[key], format);
          }
          const d = byStage.decode[phase], p = byStage.prefill[phase];
          const bound = `<div class="bound">bound: prefill ${p ? p.bound : '-'}, decode ${d ? d.bound : '-'}</div>`;
          const [name, blurb] = PHASES[phase] || [phase, ''];
          html += card(phase, name, blurb, rows, bound);
        }
      }
      html += '</div>';
    });
    document.getElementById('atlas').innerHTML = html;
  }

  function row(label, key, prefill, decode, format) {
    return `<span>${label}</span>` +
      `<div class="meter prefill" data-stage="prefill" data-metric="${key}">${format(prefill)}</div>` +
      `<div class="meter decode" data-stage="decode" data-metric="${key}">${format(decode)}</div>`;
  }

  function stackCards(report) {
    const p = report.stages.prefill, d = report.stages.decode;
    const groups = d.per_layer.groups.map(g => `${g.layers} ${g.name}`).join(' + ');
    let html = '';
    html += card('one_layer', 'One layer', `Every weight matrix of one layer and both norm vectors (${groups} layers).`,
      row('Bytes/step', 'layer_weight_bytes', p.stack.layer_weight_bytes, d.stack.layer_weight_bytes, IC.bytes));
    html += card('whole_model', 'Whole model', 'L layers plus the LM head: the weight bytes one decode step streams (no KV).',
      row('Bytes/step', 'model_weight_bytes', p.stack.model_weight_bytes, d.stack.model_weight_bytes, IC.bytes) +
      row('Params', 'params', p.totals.params, d.totals.params, IC.params));
    html += card('step', 'One step', `Prefill: ${p.query_tokens} tokens per sequence at once. Decode: one token at context N = ${d.context_tokens}. Batch ${d.batch}.`,
      row('FLOPs', 'flops', p.totals.flops, d.totals.flops, IC.flops) +
      row('Bytes', 'bytes', p.totals.bytes, d.totals.bytes, IC.bytes) +
      row('KV bytes', 'kv_read_bytes', p.totals.kv_read_bytes, d.totals.kv_read_bytes, IC.bytes) +
      row('Time', 'time_s', p.time_s, d.time_s, IC.seconds));
    const sum = d.sum;
    html += card('autoregress', 'Autoregress', `The decode paid again for every output token: ${sum.steps} steps after the first token; the KV cache grows ${IC.bytes(report.kv_cache_bytes_per_token)} per token.`,
      `<span>Bytes</span><div class="meter prefill">${IC.bytes(p.totals.bytes)}</div><div class="meter decode" data-stage="decode_sum" data-metric="bytes">${IC.bytes(sum.totals.bytes)}</div>` +
      `<span>FLOPs</span><div class="meter prefill">${IC.flops(p.totals.flops)}</div><div class="meter decode" data-stage="decode_sum" data-metric="flops">${IC.flops(sum.totals.flops)}</div>` +
      `<span>KV / token</span><div class="meter prefill"></div><div class="meter decode" data-metric="kv_cache_bytes_per_token">${IC.bytes(report.kv_cache_bytes_per_token)}</div>`);
    return html;
  }

  async function load() {
    IC.busy(true);
    const lists = await IC.loadLists();
    const r = await IC.api('report', IC.apiQuery(IC.state));
    IC.busy(false);
    const resolved = r.ok ? r.json.scenario : await IC.defaultScenario();
    IC.renderControls(controls, IC.SCENARIO_FIELDS, lists, '', resolved, load);
    if (!r.ok) {
      IC.showError(r.error);
      document.getElementById('atlas').style.opacity = '0.3';
      return;
    }
    IC.showError('');
    document.getElementById('atlas').style.opacity = '1';
    document.getElementById('scenario-line').textContent = IC.describe(r.json.scenario);
    render(r.json);
  }
  load();
})();
