"""`make test`: every check CI runs, stage by stage, with the time of each and one summary.

    python3 -m tests.ci test [STAGE ...]      # all stages, or only the ones named
    python3 -m tests.ci venv                  # only create or update the tool venv

Every stage runs even after an earlier one failed, so one run shows every problem.
"""

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOME_CACHE = Path(os.environ.get("EDA_CACHE", Path.home() / ".cache" / "eda-platform"))
VENV = HOME_CACHE / "venv"
COLLECTIONS = HOME_CACHE / "collections"
REQUIREMENTS = ROOT / "requirements-dev.txt"
SANITY_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


def say(message):
    print(message, flush=True)


def run(command, cwd=ROOT, env=None):
    say(f"$ {' '.join(str(part) for part in command)}")
    return subprocess.run([str(part) for part in command], cwd=cwd, env=env, stdin=subprocess.DEVNULL, check=False).returncode == 0


def tool_env(extra=None):
    """The venv's tools first on PATH, the collection reachable as eda.platform, the lab's addresses."""
    env = dict(os.environ)
    env["PATH"] = f"{VENV / 'bin'}:{env['PATH']}"
    env["VIRTUAL_ENV"] = str(VENV)
    env["ANSIBLE_COLLECTIONS_PATH"] = str(COLLECTIONS)
    env.setdefault("ANSIBLE_FORCE_COLOR", "0")
    env.setdefault("PY_COLORS", "0")
    env.update(extra or {})
    return env


def lab_env():
    result = subprocess.run([sys.executable, "-m", "tests.lab", "env"], cwd=ROOT, capture_output=True, text=True, check=False)
    return dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)


def stage_venv():
    """Create or update the venv when requirements-dev.txt changed (a hash stamp tells)."""
    stamp = VENV / ".requirements"
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if not (VENV / "bin" / "python").exists():
        say(f"creating {VENV}")
        if not run([sys.executable, "-m", "venv", VENV]):
            return False
    if not stamp.exists() or stamp.read_text(encoding="utf-8") != wanted:
        say("installing the pinned development tools (a few minutes on a cold machine)")
        if not run([VENV / "bin" / "pip", "install", "--progress-bar", "off", "-q", "-r", REQUIREMENTS]):
            return False
        stamp.write_text(wanted, encoding="utf-8")
    else:
        say("tools up to date")
    link = COLLECTIONS / "ansible_collections" / "eda" / "platform"
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() or link.exists():
        if link.resolve() == ROOT:
            return True
        link.unlink()
    link.symlink_to(ROOT)
    return True


def stage_lab():
    return run([sys.executable, "-m", "tests.lab", "up"])


def stage_lint():
    env = tool_env()
    results = [
        run(["yamllint", "--strict", "."], env=env),
        run(["ansible-lint", "--profile", "production", "--strict"], env=env),
        run(["antsibull-changelog", "lint"], env=env),
    ]
    return all(results)


def tracked_files():
    listing = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True)
    return [name for name in listing.stdout.splitlines() if (ROOT / name).is_file()]


def collection_copy(parent):
    """ansible-test wants ansible_collections/<namespace>/<name> and a git tree to list files."""
    target = Path(parent) / "ansible_collections" / "eda" / "platform"
    for name in tracked_files():
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, destination)
    subprocess.run(["git", "init", "-q"], cwd=target, check=True)
    subprocess.run(["git", "add", "-A"], cwd=target, check=True)
    return target


def stage_sanity():
    from tests import offline_pip  # noqa: PLC0415 - only this stage needs it

    env = tool_env()
    offline_pip.install_stand_in(env)
    with tempfile.TemporaryDirectory(prefix="eda-sanity-") as parent:
        copy = collection_copy(parent)
        results = [run(["ansible-test", "sanity", "--python", SANITY_PYTHON, "--color", "no"], cwd=copy, env=env)]
    for kind, folder in (("module", "modules"), ("filter", "filter")):
        for plugin in sorted((ROOT / "plugins" / folder).glob("*.py")):
            name = f"eda.platform.{plugin.stem}"
            rendered = subprocess.run(["ansible-doc", "-t", kind, name], env=env, capture_output=True, text=True, check=False)
            say(f"ansible-doc -t {kind} {name}: {'renders' if rendered.returncode == 0 else 'FAILED'}")
            if rendered.returncode != 0:
                say(rendered.stderr)
            results.append(rendered.returncode == 0)
    return all(results)


def pytest_stage(*paths, options=()):
    existing = [path for path in paths if (ROOT / path).exists()]
    if not existing:
        say(f"no tests under {', '.join(paths)}")
        return False
    # Exit code 5 (no test collected) fails the stage: a stage that tests nothing is a defect.
    return run(["pytest", "-p", "no:cacheprovider", "-ra", *options, *existing], env=tool_env(lab_env()))


def stage_unit():
    return pytest_stage("tests/unit")


def stage_integration():
    # The slowest tests, printed at the end: where the stage's time goes.
    return pytest_stage("tests/lab/tests", "tests/integration", options=["--durations=15"])


def molecule_scenarios():
    """Every folder of molecule/ with a molecule.yml (shared/ holds what the scenarios share)."""
    return sorted(path.parent.name for path in (ROOT / "molecule").glob("*/molecule.yml"))


def stage_molecule():
    env = tool_env(lab_env())
    scenarios = molecule_scenarios()
    if not scenarios:
        say("no Molecule scenario under molecule/")
        return False
    results = []
    for index, scenario in enumerate(scenarios, 1):
        say(f"--- molecule scenario {index}/{len(scenarios)}: {scenario}")
        started = time.monotonic()
        ok = run(["molecule", "test", "-s", scenario], env=env)
        say(f"--- molecule {scenario}: {'passed' if ok else 'FAILED'} in {time.monotonic() - started:.0f} s")
        results.append(ok)
    return all(results)


def stage_build():
    env = tool_env()
    with tempfile.TemporaryDirectory(prefix="eda-build-") as out:
        if not run(["ansible-galaxy", "collection", "build", "--output-path", out, "--force"], env=env):
            return False
        tarball = next(Path(out).glob("eda-platform-*.tar.gz"))
        config = Path(out) / "galaxy-importer.cfg"
        # ansible-test already ran in the sanity stage; the importer checks docs, lint and layout.
        config.write_text("[galaxy-importer]\nRUN_ANSIBLE_TEST = False\nRUN_ANSIBLE_LINT = True\nCHECK_REQUIRED_TAGS = False\n", encoding="utf-8")
        env["GALAXY_IMPORTER_CONFIG"] = str(config)
        result = subprocess.run(
            [VENV / "bin" / "python", "-m", "galaxy_importer.main", tarball], cwd=out, env=env, capture_output=True, text=True, check=False
        )
        output = result.stdout + result.stderr
        say(output[-6000:])
        problems = [line for line in output.splitlines() if line.startswith(("ERROR", "WARNING")) or "Traceback" in line]
        for line in problems:
            say(f"galaxy-importer: {line}")
        return result.returncode == 0 and not problems


STAGES = {
    "venv": stage_venv,
    "lab": stage_lab,
    "lint": stage_lint,
    "sanity": stage_sanity,
    "unit": stage_unit,
    "integration": stage_integration,
    "molecule": stage_molecule,
    "build": stage_build,
}


def main(argv):
    if argv[:1] == ["venv"]:
        return 0 if stage_venv() else 1
    if argv[:1] != ["test"]:
        # Anything else (--help included) would otherwise start the whole CI.
        say(__doc__)
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    names = argv[1:] or list(STAGES)
    unknown = [name for name in names if name not in STAGES]
    if unknown:
        say(f"unknown stage(s): {', '.join(unknown)}; stages: {', '.join(STAGES)}")
        return 2
    if "venv" not in names:
        names.insert(0, "venv")
    outcome = {}
    started_all = time.monotonic()
    for index, name in enumerate(names, 1):
        say(f"\n=== stage {index}/{len(names)}: {name}")
        started = time.monotonic()
        if name != "venv" and not outcome.get("venv", True):
            outcome[name] = ("skipped", 0.0)
            continue
        ok = STAGES[name]()
        outcome[name] = ("passed" if ok else "FAILED", time.monotonic() - started)
        say(f"=== {name}: {outcome[name][0]} in {outcome[name][1]:.0f} s")
    say("\n=== stage times")
    for name, (result, seconds) in outcome.items():
        say(f"  {name:12} {result:8} {seconds:7.0f} s")
    counts = {word: sum(1 for result, _seconds in outcome.values() if result.lower() == word) for word in ("passed", "failed", "skipped")}
    say(f"=== summary: {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped in {time.monotonic() - started_all:.0f} s")
    return 0 if counts["failed"] == 0 and counts["skipped"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
