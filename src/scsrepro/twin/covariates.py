"""The synthetic twin: every survey variable except approval.

The real microdata are not public, so the compendium ships a *synthetic
twin* of the 2,209 respondents. This module draws the covariates; approval is
added by :mod:`scsrepro.twin.approval` (or, without it, by a labelled
placeholder, see :func:`generate`). Every number the generator uses lives in
``data/synthetic/twin_params.yml``; the code only turns those numbers into a
data frame. Same parameters and same seed give the same frame, bit for bit,
on any machine: every decision goes through ``scsrepro.survey.decisions``.

How one twin is drawn
---------------------
1. **Cells.** The 18 age-group x gender x region cell counts are parameters.
   They reproduce the unweighted Table A2 margins and are the table closest
   to independence (see :func:`scsrepro.twin.cells.calibrate_cells`) for
   which capped raking to the weighted margins gives Kish's design effect of
   about 1.13, the value behind the paper's 2.22 % margin of error. Each
   respondent then gets a province of the region and a numeric age inside
   the age group, from a tilted discrete distribution whose two tilts are
   solved so that the *weighted* mean and SD of age equal Table A3.
2. **Weights.** Capped raking (cap 2.0) of age group, gender and region to
   Table A2's weighted shares. The weights are needed already here because
   every later variable is calibrated to both columns of Table A2.
3. **Latent structure.** Four common factors (socio-economic status,
   enthusiasm for SCSs, online activity, readiness to refuse answers) depend
   on age, gender and region; each survey item has a latent score that
   loads on the factors (and on the demographics) plus item noise. The
   loadings give the covariates the correlations behind Table A4; a few are
   read off how Table 4's coefficients change between nested models, and
   ``factor_shifts_by_education`` moves a factor for one education level
   (respondents without formal education are less enthusiastic, which turns
   the education contrasts from positive in Model 1 to negative in Model 7).
4. **Exact counts, both columns.** Each answer category gets the exact
   number of respondents that the unweighted percentage implies at its base
   (largest-remainder rounding). Who gets it is decided by ranking the
   latent score plus ``beta * log-weight``; ``beta`` is solved by bisection
   so that the weighted share matches the weighted percentage as well. An
   ordinal item is "peeled" category by category (from the top code down to
   its largest category and from the bottom code up to it), so the ranking
   by the latent score, and with it the correlations, survives.
5. **Branching and missingness.** Questions are only answered by the
   respondents the codebook's ``asked_if`` selects. Non-substantive answers
   (don't know, rather not answer, no smartphone) are concentrated in a
   group of respondents who refuse income and/or education; how many fall
   inside and outside that group is a parameter (``listwise``), chosen so
   that the listwise rule of ``data/models.yml`` gives the seven Table 4
   sample sizes exactly.

Where the code lives
--------------------
:func:`generate_covariates` (here) runs the steps in a fixed order, one per
block of the questionnaire; the order of the steps is the order of the
random draws and must not change (a latent score is drawn when it is first
needed, and a factor shifted by education only reaches the items drawn
after it).

* :mod:`scsrepro.twin.cells`: steps 1 and 2 (cells, weights, province, age);
* :mod:`scsrepro.twin.latent`: step 3 (factors, latent scores, the state
  of one draw);
* :mod:`scsrepro.twin.selection`: the machinery of step 4 (exact counts,
  ``beta`` by bisection, peeling);
* :mod:`scsrepro.twin.blocks`: the blocks put to every respondent;
* :mod:`scsrepro.twin.user_blocks`: the blocks put to SCS users.

This module also adds approval (:func:`generate`) and writes the files
(:func:`write_twin`, ``python -m scsrepro.twin.covariates``).

The generator never reads the published tables: the targets it hits are
copies in the parameter file, each with its source. The tests compare the
result with ``data/published`` through the package's own functions.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from scsrepro import __version__
from scsrepro.data import paths
from scsrepro.data.codebook import Codebook, load_codebook
from scsrepro.data.files import write_all_atomic
from scsrepro.data.yaml_files import read_yaml
from scsrepro.twin import approval as twin_approval
from scsrepro.twin.blocks import (
    draw_income_and_education,
    draw_location,
    draw_online_habits,
    draw_perceived_functions,
    draw_pilot_locality,
    draw_political_items,
    draw_prose_only_items,
    draw_scs_use,
)
from scsrepro.twin.cells import draw_demographics
from scsrepro.twin.latent import Draw, draw_latent_structure
from scsrepro.twin.selection import code_percents, counts_from_percents, stream
from scsrepro.twin.user_blocks import (
    draw_advantages,
    draw_disadvantages,
    draw_fairness,
    draw_gov_pilot_outcomes,
    draw_information_and_joining,
    draw_own_scores,
    draw_score_comparisons,
    draw_transparency,
)

__all__ = [
    "PARAMS_FILE",
    "load_params",
    "params_hash",
    "generate_covariates",
    "covariate_frame",
    "generate",
    "placeholder_approval",
    "twin_bytes",
    "write_twin",
]

PARAMS_FILE: Path = paths.SYNTHETIC / "twin_params.yml"
TWIN_DIR: Path = paths.SYNTHETIC
APPROVAL_PARAMS_NAME = "approval_params.yml"


# --------------------------------------------------------------------------- parameters
def load_params(path: str | os.PathLike[str] = PARAMS_FILE) -> dict:
    """Read the generator parameters (YAML) into a dict.

    The approval section lives in its own file next to it
    (``approval_params.yml``, written by ``make calibrate``); when that file
    exists it is read into ``params["approval"]``.
    """
    path = Path(path)
    params = read_yaml(path)
    approval = path.with_name(APPROVAL_PARAMS_NAME)
    if approval.is_file():
        params["approval"] = read_yaml(approval)
    return params


def params_hash(params: dict) -> str:
    """SHA-256 of the parameters in canonical JSON, independent of git and layout."""
    blob = json.dumps(params, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- the generator
def generate_covariates(params: dict, seed: int) -> pd.DataFrame:
    """Draw every raw codebook variable except ``approval`` (and ``weight``).

    The steps run in the order of the random draws (the twin regenerates bit
    for bit only in this order); see the module docstring for what each
    stage does.

    Parameters
    ----------
    params : dict
        From :func:`load_params`.
    seed : int
        Seed of all random streams.

    Returns
    -------
    pandas.DataFrame
        Raw codes as nullable ``Int64``, not-asked cells empty, columns in the
        codebook's raw order without ``weight`` and ``approval``.
    """
    cb = load_codebook()
    # sample design and latent structure
    draw = draw_latent_structure(params, seed, cb, draw_demographics(params, seed))
    # blocks put to every respondent
    draw_location(draw)
    refusers = draw_income_and_education(draw)
    draw_online_habits(draw, refusers)
    draw_political_items(draw, refusers)
    users = draw_scs_use(draw, refusers)
    draw_pilot_locality(draw, users)
    # blocks put to SCS users
    sesame_missing = draw_own_scores(draw, users, refusers)
    draw_score_comparisons(draw, users, refusers, sesame_missing)
    draw_transparency(draw, users)
    draw_information_and_joining(draw)
    draw_fairness(draw, users, refusers)
    draw_advantages(draw, users)
    draw_disadvantages(draw, users, refusers)
    draw_gov_pilot_outcomes(draw, users)
    # attitudes asked of everyone, and the questions reported only in the prose
    draw_perceived_functions(draw, refusers)
    draw_prose_only_items(draw)
    return covariate_frame(draw, cb)


def covariate_frame(draw: Draw, cb: Codebook) -> pd.DataFrame:
    """The drawn variables plus ``respondent_id`` as ``Int64`` columns in codebook order."""
    out = draw.out
    out["respondent_id"] = np.arange(1, draw.n + 1, dtype=float)
    cols = [v.name for v in cb.raw_variables if v.name not in ("weight", "approval")]
    missing = [c for c in cols if c not in out]
    if missing:  # pragma: no cover - every raw variable is generated by the steps
        raise RuntimeError(f"generator does not produce {missing}")
    return pd.DataFrame({c: pd.array(np.asarray(out[c], dtype=float), dtype="Float64").astype("Int64") for c in cols})


# --------------------------------------------------------------------------- approval and output
def placeholder_approval(frame: pd.DataFrame, params: dict, seed: int) -> pd.Series:
    """PLACEHOLDER approval, used only when ``scsrepro.twin.approval`` is absent.

    Draws approval independently of every covariate, with exact counts from
    Table A2's unweighted approval distribution (copied into
    ``params["placeholder_approval"]``) in random order. It carries no
    relation to the covariates and must not be used for Table 4.
    """
    n = len(frame)
    cnt = counts_from_percents(code_percents(params["placeholder_approval"]), n)
    vals = np.concatenate([np.full(c, k) for k, c in sorted(cnt.items())])
    vals = vals[stream(seed, "placeholder_approval").permutation(n)]
    return pd.Series(pd.array(vals, dtype="Int64"), index=frame.index, name="approval")


def generate(params: dict, seed: int, covariates: pd.DataFrame | None = None) -> pd.DataFrame:
    """The whole twin: covariates plus approval, in the codebook's raw order.

    Approval comes from ``scsrepro.twin.approval.add_approval`` when
    *params* has an ``approval`` section; otherwise from
    :func:`placeholder_approval` (unrelated to the covariates).
    *covariates*: :func:`generate_covariates` of the same *params* and
    *seed*, when the caller has it already (it is drawn otherwise).
    """
    frame = generate_covariates(params, seed) if covariates is None else covariates
    if params.get("approval") is not None:
        frame = twin_approval.add_approval(frame, params["approval"], seed)
        source = "scsrepro.twin.approval.add_approval"
    else:
        frame = frame.copy()
        frame["approval"] = placeholder_approval(frame, params, seed)
        source = "PLACEHOLDER (twin.placeholder_approval: unrelated to the covariates)"
    cb = load_codebook()
    cols = [v.name for v in cb.raw_variables if v.name != "weight" and v.name in frame.columns]
    out = frame[cols].copy()
    out.attrs["approval_source"] = source
    return out


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV text: integers without decimals, empty cells for missing values."""
    buf = io.StringIO()
    out = frame.copy()
    for c in out.columns:
        if pd.api.types.is_numeric_dtype(out[c]):
            s = pd.to_numeric(out[c])
            if (s.dropna() % 1 == 0).all():
                out[c] = s.astype("Int64")
    out.to_csv(buf, index=False, lineterminator="\n", na_rep="")
    return buf.getvalue().encode("utf-8")


def twin_bytes(frame: pd.DataFrame) -> bytes:
    """The bytes of ``twin.csv`` for *frame*: the codebook's raw variables, in its order."""
    cb = load_codebook()
    return _csv_bytes(frame[[v.name for v in cb.raw_variables if v.name in frame.columns]])


def write_twin(
    frame: pd.DataFrame,
    directory: str | os.PathLike[str] = TWIN_DIR,
    params: dict | None = None,
    seed: int | None = None,
) -> Path:
    """Write ``twin.csv``, ``twin.csv.sha256`` and ``README.md`` atomically.

    The three files are written all or nothing
    (:func:`scsrepro.data.files.write_all_atomic`), so the checksum and the
    README always describe the CSV beside them.
    Returns the path of ``twin.csv``.
    """
    cb = load_codebook()
    d = Path(directory)
    cols = [v.name for v in cb.raw_variables if v.name in frame.columns]
    data = twin_bytes(frame)
    digest = hashlib.sha256(data).hexdigest()
    csv = d / "twin.csv"
    lines = [
        "# Synthetic twin of the Kostka (2019) survey",
        "",
        "`twin.csv` is **synthetic**: 2,209 made-up respondents drawn by",
        "`scsrepro.twin.covariates` so that the compendium's analysis reproduces the paper's",
        "published aggregates. It contains no real survey answers.",
        "",
        f"* generator: scsrepro {__version__} (`scsrepro.twin.covariates`)",
        f"* parameters: `data/synthetic/twin_params.yml`, sha256 {params_hash(params) if params else 'unknown'}",
        f"* seed: {seed if seed is not None else 'unknown'}",
        f"* approval: {frame.attrs.get('approval_source', 'not recorded')}",
        f"* rows: {len(frame)}, columns: {len(cols)} (codebook order; empty cell = not asked)",
        f"* sha256 of twin.csv: {digest}",
        "",
        "Targets used: Table A2 (unweighted and weighted shares), Table A3 (weighted",
        "means and SDs of age and the covariates), Table 2 group sizes, Table 4",
        "sample sizes (listwise rule of `data/models.yml`), Table 5, Table A4",
        "(VIFs), the design effect implied by the 2.22 % margin of error, and the",
        "shares quoted in the text; for approval (`data/synthetic/approval_params.yml`,",
        "searched by `make calibrate`): every Table 4 coefficient and cut point,",
        "Table 4's significance stars, Table A2's approval shares and Table 2.",
        "Readings of contradictory numbers are listed in `data/published/errata.csv`.",
        "",
        "Held out (never used to calibrate, reported as a coherence check): Table 3",
        "and the approval shares by group that the text gives for Figure 4.",
        "",
        "Agreement with a calibrated target holds by construction and is no",
        "evidence about the real survey.",
        "",
        "Regenerate with `make data` (`python -m scsrepro.twin.covariates`); the same",
        "parameters and seed give the same bytes on any supported machine",
        '(see "What is guaranteed" in the top-level README).',
        "",
    ]
    write_all_atomic(
        {
            csv: data,
            d / "twin.csv.sha256": f"{digest}  twin.csv\n".encode(),
            d / "README.md": "\n".join(lines).encode("utf-8"),
        }
    )
    return csv


def main(argv: list[str] | None = None) -> int:
    """Command line: generate the twin with the committed parameters and write it."""

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--out", default=str(TWIN_DIR))
    a = ap.parse_args(argv)
    params = load_params()
    seed = int(params["seed"] if a.seed is None else a.seed)
    frame = generate(params, seed)
    path = write_twin(frame, a.out, params, seed)
    print(paths.relative(path))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
