"""The wheel ships every subpackage, module, data file and prompt of the source tree."""

import re
import shutil
import subprocess
import sys
import zipfile

import pytest

from conftest import ROOT


def test_the_wheel_holds_every_module_data_file_and_prompt(tmp_path):
    # Built from a clean copy: setuptools would reuse a build/ folder left in the checkout.
    tree = tmp_path / "tree"
    tree.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tree / name)
    for folder in ("extractor", "prompts"):
        shutil.copytree(ROOT / folder, tree / folder, ignore=shutil.ignore_patterns("__pycache__"))
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(tree)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = tmp_path.glob("incident_extractor-*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    source = ROOT / "extractor"
    expected = {p.relative_to(ROOT).as_posix() for p in source.rglob("*.py") if "__pycache__" not in p.parts}
    expected |= {p.relative_to(ROOT).as_posix() for p in (source / "data").iterdir() if p.is_file()}
    expected |= {f"extractor/_prompt_files/{p.name}" for p in (ROOT / "prompts").glob("*.md")}
    assert len(expected) > 50
    assert expected <= shipped, f"missing from the wheel: {sorted(expected - shipped)}"


def _modules() -> list:
    return sorted(
        p for p in (ROOT / "extractor").rglob("*.py") if "__pycache__" not in p.parts and p.name != "__init__.py"
    )


def test_the_architecture_table_names_every_module_in_its_folder():
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = page[page.index("| module | what it is |") : page.index("- **Two calls per article**")]
    listed, folder = set(), None
    for line in table.splitlines():
        heading = re.match(r"\| \*\*`(extractor/[a-z/_]*)`\*\*", line)
        if heading:
            folder = heading.group(1)
        elif line.startswith("| `") and folder:
            listed |= {f"{folder}{name}" for name in re.findall(r"`([a-z_]+\.py)`", line.split("|")[1])}
    assert listed == {p.relative_to(ROOT).as_posix() for p in _modules()}


def test_no_file_of_the_package_or_its_prompts_is_left_out_of_git():
    # A clean clone (CI) holds only what git tracks: an ignore rule meant for the top-level runs/
    # folder once also hid extractor/runs/workers.py
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    left_out = subprocess.run(
        [
            "git",
            "-C",
            str(ROOT),
            "ls-files",
            "--others",
            "--exclude-standard",
            "--ignored",
            "extractor",
            "prompts",
            "schemas",
            "benchmarks",
            "scripts",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert [p for p in left_out if "__pycache__" not in p] == []


def test_the_project_urls_are_the_repository_and_files_in_it():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    urls = project["urls"]
    repository = urls["Repository"]
    assert repository.startswith("https://") and not repository.endswith("/")
    for name, url in urls.items():
        assert url == repository or url.startswith(repository + "/"), (name, url)
        path = url.removeprefix(repository + "/blob/main/")
        if path != url:  # a file of the repository: it must exist here
            assert (ROOT / path).is_file(), (name, path)
    assert {"Documentation", "Changelog"} <= set(urls)
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").lstrip().startswith("Apache License")
    assert project["license"] == "Apache-2.0"
