"""The README's two set-up commands exist, and CI runs the second one as written."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    setup = text.split("## Set-up on a fresh machine", 1)[1].split("\n## ", 1)[0]
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", setup, flags=re.S)]


def test_two_commands_and_ci_runs_the_test_command():
    cmds = readme_commands()
    assert len(cmds) == 2
    assert "pathways plan models/" in cmds[0]
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
             if line.strip() and not line.strip().startswith("#")]
    assert lines[-1] == cmds[1]


def test_example_model_of_command_one_exists():
    model = readme_commands()[0].split("pathways plan ", 1)[1].split()[0]
    assert (ROOT / model).is_file()
