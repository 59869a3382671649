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


def test_the_demos_simulation_imports_without_pytest():
    code = (
        "import importlib.util, sys\n"
        "real = importlib.util.find_spec\n"
        "importlib.util.find_spec = lambda name, *a: None if name == 'pytest' else real(name, *a)\n"
        "import fengqiao_core.testing.simulation\n"
        "print('pytest' in sys.modules, 'hypothesis' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
