"""The default scenario (Llama-3-70B, fp8, 500 + 500 tokens, 2x H100 SXM) from Python against the
explainer's golden table: the same raw values and arithmetic as tests/integration/golden_test.cc
(calculator-spec §3's "exact" column)."""
import pytest


@pytest.fixture(scope="module")
def report(session):
    return session.report()


def decode_phase(report, name):
    phases = [p for p in report["stages"]["decode"]["phases"] if p["phase"] == name]
    assert len(phases) == 1, name
    return phases[0]


def test_default_scenario_is_the_explainers(report):
    assert report["scenario"]["model"] == "llama-3-70b"
    # N = input + output/2 = 500 + 250 = 750; one sequence.
    assert report["stages"]["decode"]["context_tokens"] == 750
    assert report["stages"]["decode"]["batch"] == 1
    assert report["stages"]["prefill"]["query_tokens"] == 500


def test_embedding(report):
    assert decode_phase(report, "embedding")["params"] == 1_050_673_152  # V*d = 128256 * 8192


def test_rms_norm(report):
    assert decode_phase(report, "attn_norm")["params"] == 655_360  # d*L = 8192 * 80
    assert decode_phase(report, "ffn_norm")["params"] == 655_360


def test_q_projection_5_4_gb(report):
    # d*H_q*128*L = 8192*64*128*80 at 1 byte (fp8): "5.4 GB"
    assert decode_phase(report, "q_proj")["weight_bytes"] == 5_368_709_120


def test_k_and_v_projections_671_1_mb(report):
    for name in ("k_proj", "v_proj"):
        # d*H_kv*128*L = 8192*8*128*80: "671.1 MB"
        assert decode_phase(report, name)["weight_bytes"] == 671_088_640


def test_qk_scores_983_0_m_flops_and_61_4_mb_kv(report):
    phase = decode_phase(report, "qk_scores")
    assert phase["flops"] == 983_040_000  # 2*H_q*128*N*L = 2*64*128*750*80: "983.0 M"
    assert phase["kv_read_bytes"] == 61_440_000  # N*H_kv*128*L = 750*8*128*80: "61.4 MB"


def test_ffn_up_18_79_b_params(report):
    phase = decode_phase(report, "ffn_up")
    assert phase["params"] == 18_790_481_920  # d*d_ff*L = 8192*28672*80: "18.79 B"
    assert phase["flops"] == 37_580_963_840  # 2*d*d_ff*L
    assert phase["weight_bytes"] == 18_790_481_920  # params at 1 byte


def test_stack(report):
    stack = report["stages"]["decode"]["stack"]
    # q 67,108,864 + k 8,388,608 + v 8,388,608 + o 67,108,864 + 3 x 234,881,024 + 2 x 8,192
    assert stack["layer_weight_bytes"] == 855_654_400
    # L x layer + LM head = 80 * 855,654,400 + 128256 * 8192
    assert stack["model_weight_bytes"] == 69_503_025_152


def test_whole_model_params(report):
    # 80 x 855,654,400 + embedding 1,050,673,152 + LM head 1,050,673,152 + final norm 8,192
    assert report["stages"]["decode"]["totals"]["params"] == 70_553_706_496


def test_values_are_python_types(report):
    assert isinstance(report, dict)
    assert isinstance(report["stages"]["decode"]["phases"], list)
    assert isinstance(report["stages"]["decode"]["batch"], int)
    assert isinstance(report["stages"]["decode"]["totals"]["params"], float)
