import subprocess
import sys

HEAVY = ("shapely", "psycopg", "openpyxl", "matplotlib", "rich", "typer")


def test_import_fengqiao_core_stays_light():
    code = (
        "import sys, fengqiao_core, fengqiao_core.model, fengqiao_core.serialization;"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
