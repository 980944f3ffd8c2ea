"""`cmake --install` into a temporary prefix: Debian's python3 imports the module from
<prefix>/lib/python3/dist-packages and it finds the installed plugins and presets by itself
(no INFERCOST_* variables, run from elsewhere)."""
import json
import os
import subprocess
import sys

CHECK = r"""
import json, infercost
s = infercost.Session()
r = s.report()
q = [p for p in r["stages"]["decode"]["phases"] if p["phase"] == "q_proj"][0]
print(json.dumps({"module": infercost.__file__, "search_dirs": s.plugins()["search_dirs"],
                  "loaded": len(s.plugins()["loaded"]), "q_proj": q["weight_bytes"],
                  "models": len(s.models())}))
"""


def test_the_installed_module_finds_the_installed_plugins_and_presets(tmp_path):
    build = os.environ["INFERCOST_BUILD_DIR"]
    prefix = tmp_path / "prefix"
    subprocess.run([os.environ.get("INFERCOST_CMAKE", "cmake"), "--install", build, "--prefix", str(prefix)], check=True,
                   capture_output=True, timeout=300)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("INFERCOST_") and k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(prefix / "lib" / "python3" / "dist-packages")
    done = subprocess.run([sys.executable, "-c", CHECK], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["module"].startswith(str(prefix / "lib" / "python3" / "dist-packages"))
    assert result["search_dirs"], result
    assert all(d.startswith(str(prefix)) for d in result["search_dirs"]), result
    assert result["loaded"] >= 7  # mha gqa mqa mla, naive flash, roofline
    assert result["q_proj"] == 5_368_709_120  # the golden table: 8192*64*128*80 at 1 byte
    assert result["models"] > 0
