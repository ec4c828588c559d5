"""anchorpy3 reads what we publish: runs tests/interop in the anchorpy environment.

The main environment builds the program and records real-program fixtures;
``.venv-anchorpy`` (anchorpy3 0.4.5, solana 0.36.6, solders 0.26.0) then
decodes them, parses the events, and drives the program in its own LiteSVM
with instructions anchorpy builds from the IDL. The tamper cases prove that
suite fails when the IDL or the fixtures disagree with the program.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from localnet_process import sessions_localnet

from sessions_tools.interop.anchorpy_env import ensure_anchorpy_env, run_in_anchorpy_env
from sessions_tools.interop.fixtures import generate_fixtures
from sessions_tools.paths import project_paths
from sessions_tools.program_build import build_sessions_program

pytestmark = pytest.mark.interop

ROOT = Path(__file__).resolve().parents[1]
INTEROP = ROOT / "tests" / "interop"
ENV_VARS = (
    "SESSIONS_INTEROP_FIXTURES",
    "SESSIONS_INTEROP_PROGRAM",
    "SESSIONS_INTEROP_IDL",
    "SESSIONS_INTEROP_RPC_URL",
)


@pytest.fixture(scope="module")
def program_so() -> Path:
    return build_sessions_program().path


@pytest.fixture(scope="module")
def anchorpy_python() -> Path:
    return ensure_anchorpy_env(ROOT)


@pytest.fixture(autouse=True)
def _no_inherited_interop_vars(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


def run_suite(env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    return run_in_anchorpy_env(
        [
            "-m",
            "pytest",
            "-c",
            str(INTEROP / "pytest.ini"),
            "--rootdir",
            str(INTEROP),
            str(INTEROP),
            "-q",
            *extra,
        ],
        root=ROOT,
        # PYTHONSAFEPATH: the cwd is not put on sys.path, so the checkout's
        # sessions_client (which needs solders 0.29) cannot be imported there.
        env={**env, "PYTHONSAFEPATH": "1"},
        cwd=INTEROP,
        timeout=600,
    )


def suite_env(fixtures: Path, so: Path, idl: Path, rpc_url: str) -> dict[str, str]:
    return dict(zip(ENV_VARS, (str(fixtures), str(so), str(idl), rpc_url), strict=True))


@pytest.fixture(scope="module")
def localnet_url() -> Iterator[str]:
    """A ``sessions localnet`` process for the suite's RPC tests (anchorpy's own Provider)."""
    with sessions_localnet() as net:
        yield net.url


def summary(proc: subprocess.CompletedProcess[str]) -> str:
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    return lines[-1] if lines else ""


def test_anchorpy_reads_idl_accounts_events_and_drives_the_program(
    tmp_path: Path, program_so: Path, anchorpy_python: Path, localnet_url: str
) -> None:
    assert anchorpy_python.is_file()
    fixtures = tmp_path / "fixtures"
    generate_fixtures(fixtures, program=program_so.read_bytes(), idl_path=project_paths().idl)
    proc = run_suite(suite_env(fixtures, program_so, project_paths().idl, localnet_url))
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output  # 5 (no tests) fails here too
    last = summary(proc)
    match = re.fullmatch(r"(\d+) passed in [\d.]+s", last)
    assert match, f"expected only passes, got {last!r}\n{output}"
    assert int(match.group(1)) > 0


def test_suite_refuses_to_run_without_its_inputs(anchorpy_python: Path) -> None:
    proc = run_suite({})
    output = proc.stdout + proc.stderr
    assert proc.returncode == 4, output  # pytest's usage error: neither pass nor skip
    for name in ENV_VARS:
        assert f"{name} is not set" in output


def _tamper_status_order(idl: dict[str, object]) -> None:
    """Swap two SessionStatus variants: a plausible codegen bug both our sides would share."""
    types = idl["types"]
    assert isinstance(types, list)
    status = next(t for t in types if t["name"] == "SessionStatus")
    variants = status["type"]["variants"]
    variants[4], variants[5] = variants[5], variants[4]  # Active <-> Paused


def _tamper_seed(idl: dict[str, object]) -> None:
    """Give create_session's PDA a wrong constant seed."""
    instructions = idl["instructions"]
    assert isinstance(instructions, list)
    create = next(i for i in instructions if i["name"] == "create_session")
    session = next(a for a in create["accounts"] if a["name"] == "session")
    session["pda"]["seeds"][0]["value"] = list(b"sessions")


def _tamper_field_order(idl: dict[str, object]) -> None:
    """Swap Session.created_at and updated_at (same type, so sizes still agree)."""
    types = idl["types"]
    assert isinstance(types, list)
    fields = next(t for t in types if t["name"] == "Session")["type"]["fields"]
    i = next(n for n, f in enumerate(fields) if f["name"] == "created_at")
    fields[i], fields[i + 1] = fields[i + 1], fields[i]


@pytest.mark.parametrize(
    ("tamper", "must_fail"),
    [
        (
            _tamper_status_order,
            ["test_decoded_account_matches_the_scenario", "test_owner_lifecycle_built_by_anchorpy"],
        ),
        (
            _tamper_seed,
            ["test_owner_lifecycle_built_by_anchorpy", "test_program_errors_surface_as_idl_errors"],
        ),
        (
            _tamper_field_order,
            ["test_decoded_account_matches_the_scenario", "test_owner_lifecycle_built_by_anchorpy"],
        ),
    ],
    ids=["status-order", "pda-seed", "field-order"],
)
def test_suite_fails_when_the_idl_disagrees_with_the_program(
    tmp_path: Path,
    program_so: Path,
    anchorpy_python: Path,
    *,
    localnet_url: str,
    tamper: object,
    must_fail: list[str],
) -> None:
    idl = json.loads(project_paths().idl.read_text())
    assert callable(tamper)
    tamper(idl)
    bad_idl = tmp_path / "sessions.json"
    bad_idl.write_text(json.dumps(idl, indent=2))
    fixtures = tmp_path / "fixtures"
    # Fixtures stamped with the tampered IDL's hash: only the semantic checks can object.
    generate_fixtures(fixtures, program=program_so.read_bytes(), idl_path=bad_idl)
    proc = run_suite(suite_env(fixtures, program_so, bad_idl, localnet_url))
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    failed = set(re.findall(r"^FAILED \S+::(\w+)", proc.stdout, re.MULTILINE))
    assert set(must_fail) <= failed, f"{failed}\n{output[-3000:]}"


def test_suite_fails_when_the_fixtures_disagree(
    tmp_path: Path, program_so: Path, anchorpy_python: Path, localnet_url: str
) -> None:
    fixtures = tmp_path / "fixtures"
    path = generate_fixtures(fixtures, program=program_so.read_bytes())
    document = json.loads(path.read_text())
    step = next(st for st in document["steps"] if st["name"] == "a_pause")
    step["decoded"]["usage"]["last_used_at"] = 1  # what our decoder "said" is now wrong
    path.write_text(json.dumps(document))
    proc = run_suite(suite_env(fixtures, program_so, project_paths().idl, localnet_url))
    assert proc.returncode == 1, proc.stdout
    failed = re.findall(r"^FAILED \S+::(\w+\[\w+\])", proc.stdout, re.MULTILINE)
    assert failed == ["test_decoded_account_matches_ours[a_pause]"], proc.stdout


def test_env_is_rebuilt_only_when_its_requirements_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sessions_tools.interop import anchorpy_env

    python = anchorpy_env.anchorpy_python(tmp_path)
    python.parent.mkdir(parents=True)
    python.write_text("")
    assert not anchorpy_env._is_current(tmp_path)  # no stamp: a half-built env
    stamp = anchorpy_env.anchorpy_env_dir(tmp_path) / anchorpy_env._STAMP_NAME
    stamp.write_text(json.dumps(anchorpy_env._stamp_payload()))
    assert anchorpy_env._is_current(tmp_path)
    monkeypatch.setattr(
        anchorpy_env,
        "ANCHORPY_REQUIREMENTS",
        (*anchorpy_env.ANCHORPY_REQUIREMENTS, "toolz==0.12.0"),
    )
    assert not anchorpy_env._is_current(tmp_path)


def test_env_failure_raises_with_pips_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sessions_tools.interop import anchorpy_env

    monkeypatch.setattr(anchorpy_env, "ANCHORPY_REQUIREMENTS", ("anchorpy3==0.0.0",))
    with pytest.raises(anchorpy_env.AnchorpyEnvError) as caught:
        anchorpy_env.ensure_anchorpy_env(tmp_path)
    assert caught.value.step == "pip install"
    assert caught.value.returncode not in (0, None)
    assert "anchorpy3==0.0.0" in caught.value.output_tail
    assert not anchorpy_env._is_current(tmp_path)
