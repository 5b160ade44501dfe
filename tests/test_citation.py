"""The licence and citation files a replication package needs are present and valid.

``CITATION.cff`` is validated against the Citation File Format 1.2.0 JSON
schema (``tests/fixtures/cff_schema_1.2.0.json``, the schema file shipped in
the ``cffconvert`` 2.0.0 wheel on PyPI; ``cffconvert`` itself pins a
``jsonschema`` older than the book's, so the schema is used directly with the
``jsonschema`` that Jupyter Book installs).
"""

from __future__ import annotations

import json
import re
import tomllib

import jsonschema
import pytest
import yaml

from scsrepro.data.paths import ROOT

SCHEMA = ROOT / "tests" / "fixtures" / "cff_schema_1.2.0.json"


@pytest.fixture(scope="module")
def citation():
    return yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def test_citation_file_is_valid_cff(citation):
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker()).validate(citation)


def test_an_invalid_citation_file_is_refused(citation):
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    broken = {k: v for k, v in citation.items() if k != "authors"} | {"doi": "not a doi"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(schema).validate(broken)


def test_citation_names_the_package_version_licence_and_the_paper(citation):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert str(citation["version"]) == project["version"]
    assert citation["license"] == "MIT"
    bib = (ROOT / "references.bib").read_text(encoding="utf-8")
    doi = re.search(r"@article\{kostka2019,.*?doi\s*=\s*\{([^}]+)\}", bib, flags=re.S).group(1)
    assert [r["doi"] for r in citation["references"]] == [doi]


def test_licences_are_stated_in_the_licence_file_the_readme_and_the_book_footer():
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    footer = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["html"]["extra_footer"]
    for text in (licence, readme, footer):
        for spdx in ("MIT", "CC-BY-4.0", "CC0-1.0"):
            assert spdx in text, f"{spdx} is not stated in {text[:40]!r}..."
