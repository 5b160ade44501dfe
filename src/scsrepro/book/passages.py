"""The passages of the chapters that hold on the committed synthetic twin only.

How the twin is made, the seed check and the warnings at the top of the
chapters are true of the committed twin and of no other data. A chapter
cannot leave out a paragraph of its Markdown depending on its data (the book
is rendered from executed notebooks, without running them again), so those
paragraphs are kept here, one mapping per chapter, and each chapter glues
them (:func:`chapter_notes`) and shows them with ``{glue:md}``: the
passage on the twin, and on other data nothing or one line saying that it
does not apply. The short sentence beside a single agreement that holds by
construction is not here: it is
:func:`scsrepro.book.facts.common.construction_note`, the same everywhere.

Whether the data are the twin is
:func:`scsrepro.data.loading.is_committed_twin` (by checksum). Numbers in a
passage are glue roles, never typed (``tests/test_no_typed_numbers.py``
checks them). Each chapter marks where a passage appears with a
``glue:md`` directive named as below.
"""

from __future__ import annotations

from IPython.display import Markdown

from scsrepro.book.facts.common import construction_facts, does_not_apply, twin_note

__all__ = ["TWIN_PASSAGES", "twin_passages", "chapter_notes"]

_DESCRIPTIVES_SYNTHETIC = """```{admonition} Synthetic data
:class: warning

The data file of this run is the synthetic twin, which was generated to
reproduce Table A2, Table A3 and the figure percentages quoted in the text.
On the twin, agreement with those numbers holds **by construction** and is
not evidence about the real survey. What the comparison does show is where
the paper's printed numbers cannot all be true at once, and which reading
the twin follows there.
```"""

_BIVARIATE_AGREEMENT = """```{admonition} What agreement means on this page
:class: warning

The respondents of this run are the synthetic twin. The twin was calibrated
to Table 2, Table 5, the marginal distributions of Table A2, the models of
Table 4 and the rural and urban shares of the discussion. Agreement on those
numbers holds **by construction**. Two groups of numbers were **held out**
of the calibration (`basis: held_out` in `data/targets.yml`): the doubter
profile of Table 3 and the approval shares that the text reads off Figure 4.
For those, the distance between the twin and the paper is a check of
whether the paper's own numbers fit together, and it is reported as such.
```"""

_MODELS_WHERE = """```{admonition} Where the numbers come from
:class: warning

Every estimate on this page comes from the project's **synthetic twin**.
The twin's approval answers were generated so that refitting Table 4 on them
lands close to the printed coefficients and stars: Table 4 is a
*calibration target*. Agreement with Table 4 therefore holds by construction
and says nothing about the real survey. The differences that remain show
where the calibration fell short, and the checks beyond the paper describe
the twin, not the survey. On the real data the same code answers the
substantive questions.
```"""

_EXTENSIONS_WHERE = """```{admonition} What these checks can show on the twin
:class: warning

The data of this run are the project's **synthetic twin**. The analyses on
this page were not calibration targets, but they start from numbers that
were: Table 2's shares and Table 4's coefficients (`basis: calibrated`
in `data/targets.yml`), so what follows from those (the cap comparison, the
marginal effects, the refit's verdicts) is at best *implied* by the
calibration. Where the twin's answers were generated from a model
(proportional odds, for instance), the checks recover that model. Read the
results as a demonstration of each method and of how much the paper's
conclusions lean on its choices, not as evidence about Chinese internet
users; on the real data the same cells answer the substantive questions.
```"""

_EXTENSIONS_VERDICTS = (
    "On the committed twin, the refit's verdicts rest on a Table 4 the twin was calibrated to, so where they "
    "agree with the paper the agreement is implied by the calibration, not found. The outcomes on the printed "
    "table use the paper's numbers only (basis: arithmetic) and read the same on any data."
)

_MODELS_H14 = (
    "On the synthetic twin the information dummy has the split that Table A2 reports, and with that split in a "
    "sample of Model 5's size a standard error near the twin's is what one gets. The twin cannot tell which of "
    "the two explanations holds; its calibration keeps Table A2's split and so cannot reproduce the printed "
    "standard error or the verdict that rests on it."
)

_DISCUSSION_SYNTHETIC = """```{admonition} Synthetic data
:class: warning

The data file of this run is the synthetic twin. It was generated to
reproduce Table 5, the coefficients of Table 4 and the shares quoted in the
discussion, so the agreement shown on this page holds **by construction**
and is not evidence about the real survey. The roles printed in the tables
below ("target" or "held_out") come from the project's calibration recipe;
see the last section and {doc}`fidelity`.
```"""

_DISCUSSION_LIMITS = """This page ran on the synthetic twin of {glue:text}`n_data:,d`
respondents, generated to match the published aggregates. For its
calibrated numbers the agreement is by construction: it shows that the
paper's numbers can coexist in one data set and that the code computes them
as the paper describes, not that the survey found them. The twin also
cannot test either explanation: any link between breadth of benefits and
approval, or between frames and approval, that goes beyond the calibrated
aggregates exists in the twin only if the generator put it there. Run on the
real survey file, the same page would give evidence; on the twin it gives a
check of the method."""

_FIDELITY_MAKING = """The twin is generated by `scsrepro.twin.covariates` from the parameter files in
`data/synthetic/` and a fixed seed; `make data` rebuilds it byte for byte and
`make calibrate` reruns the search behind its approval parameters. The
numbers quoted in this section are read from those files.

**Covariates.** Each of the {glue:}`twin_n` made-up respondents gets a few
latent factors (socio-economic status, enthusiasm about social credit,
online activity and a tendency to refuse answers), partly tied to age,
gender and region. Every survey item is a noisy mix of these factors;
respondents are ranked on it and cut into answer categories so that the
unweighted counts equal Table A2 exactly, with the cut tilted so that the
weighted shares match as well. The weights are not free parameters: they are
the capped raking weights that `scsrepro.survey.weighting` computes from the twin's
own age, gender and region. Missing and "don't know" answers are placed so
that the listwise rule of each Table 4 model leaves the printed number of
observations (the seed of the whole draw is {glue:}`twin_seed`).

**Associations read off Table 4.** When a model adds variables, the
coefficients already in it change according to how the new variables relate
to the old ones. A few of these changes set the factor structure. The
education contrasts are positive in Model 1 and negative in Model 7, so the
respondents without formal education get an enthusiasm factor
{glue:text}`twin_enth_shift:.1f` standard deviations lower, which lowers the
functions they see in social credit. The urban and income coefficients
shrink once the perceived functions enter, so urban and better-off
respondents see more functions. The male coefficient hardly moves in Models
2, 3 and 7, so men are neither more enthusiastic nor more active posters than
women.

**Approval**, the outcome of all seven models, is drawn last and in three
stages (`scsrepro.twin.approval`):

1. *A latent draw*: an index of the {glue:}`twin_n_latent` Table 4 terms plus
   logistic noise from the fixed seed, cut into the five answers with Table
   A2's unweighted counts. The index coefficients and one shift per Table 2
   group come from `make calibrate`, which refits the models on repeated
   draws with the same noise ({term}`common random numbers <Common random numbers>`). The few respondents
   without formal education in Model 5's sample all strongly approve, which
   is the cause of that model's separated education terms.
2. *Polishing*: answers move one step up or down where each model's
   {term}`influence function <Influence function>` predicts that the refits move towards Table 4 and the
   shares towards Tables A2 and 2; a batch of moves is kept only if the
   exactly refitted objective falls.
3. *Stars*: a significance star depends on the estimate and on its standard
   error. The last stage adds a penalty for a z-value outside the band of
   the printed stars, a fixed cost of {glue:text}`twin_count_weight:.0f` for
   each cell whose stars disagree and a term that pulls each robust standard
   error towards the printed one. Candidate moves are checked by exact
   refits, at most {glue:}`twin_max_checks` in all, and a move is accepted
   only if no Table 4 cell within {glue:text}`twin_band:.2f` published
   standard errors and no approval share within its tolerance is pushed
   outside.

The Doubters column of Table 3, the approval shares by group quoted for
Figure 4 and the mean weight the paper reports for older Western respondents
enter none of these steps; they are the held-out rows below. Table 3's Total
column does not enter them either, but it repeats weighted Table A2 shares
that are raking margins or calibrated, so it counts as design or implied,
not as held out."""

_FIDELITY_ENSEMBLE = """The committed twin is one draw among many data sets that fit the paper's
aggregates, and any single draw carries some luck. `make ensemble` makes an
{term}`ensemble <Ensemble of twins>` of them: it draws the
twin again for other seeds, each time exactly as `make calibrate` and
`make data` would with that seed (the latent search, the polishing and the
stars stage, with the committed settings), and computes on every draw the
statistics behind this book's results beyond the paper
(`scsrepro.paper.claims`): the pass rates above, every held-out distance,
the verdicts on H1-H21, the proportional-odds flags, the rural-urban tests,
the weight caps, the calibrated standard errors, the partial models, the
marginal effects, the nested comparisons, the Firth refit and the
DuMouchel-Duncan tests. The draws, with each one's checksum and the
generator's version, are stored in `data/synthetic/ensemble.csv`; the draw of
the committed seed is the committed twin, bit for bit. The settings were
chosen by `make calibrate` on other seeds than these."""

_FIDELITY_ENSEMBLE_AFTER = """Over the {glue:}`ens_draws` draws, the stars agree in
{glue:text}`ens_stars_min:.1f` per cent of Table 4's cells in the worst draw and
{glue:text}`ens_stars_median:.1f` per cent in the median one; the committed draw
has {glue:text}`ens_stars_committed:.1f` per cent, as many or more than
{glue:text}`ens_stars_rank:.0f` per cent of the draws. The calibrated numbers pass
at {glue:text}`ens_calibrated_min:.1f` per cent in the worst draw
({glue:text}`ens_calibrated_median:.1f` in the median one). The difference
between the committed draw and the others is the part of its fit that comes
from luck with its seed.

Each result that the book states on the twin beyond the paper is a *claim*
with an outcome (a verdict, a flag, a significant difference). A claim
**holds** in a draw when the draw gives the same outcome, and it is
{term}`stable <Stable result>` when it holds in at least {glue:text}`ens_stable_share` per cent of
the draws. Of the {glue:}`ens_claims` claims, {glue:}`ens_stable`
({glue:text}`ens_stable_pct:.0f` per cent) are stable. The chapters' tables of
such results carry the mark in a column "stable across twins"."""

_FIDELITY_ENSEMBLE_TABLES = """The two tables below are folded: every numeric statistic with
its median, the range from its {glue:text}`ens_q_low` to its
{glue:text}`ens_q_high` per cent quantile over the draws and the committed draw's rank,
and every claim with its stability mark."""

_DISCUSSION_ENSEMBLE = """**Which of these conclusions belong to one draw?** The appendix redraws
the twin for other seeds ({doc}`fidelity`, "Many twins") and marks each
result as stable when at least {glue:text}`ens_stable_share` per cent of the
draws give it too. The refit's verdicts depart from the paper's for
{glue:text}`ens_departures_n` ({glue:text}`ens_departures_stable` of them
stable): {glue:text}`ens_departures`. The twin misses
{glue:text}`ens_held_fail` held-out numbers, {glue:text}`ens_held_fail_stable`
of them in at least that share of the draws: those misses persist in twins
that fit the same printed tables, so they are not the luck of one draw. Of the
{glue:text}`ens_ru_sig` significant rural-urban differences,
{glue:text}`ens_ru_sig_stable` are stable; of the
{glue:text}`ens_po_flagged` terms that break proportional odds,
{glue:text}`ens_po_flagged_stable`; and of the {glue:text}`ens_dd_reject`
models whose weights test rejects, {glue:text}`ens_dd_reject_stable`. A stable
result is a property of nearly every twin that fits the printed tables; it is still
no finding about the respondents, since every draw was tuned to the same
numbers."""

#: ``{chapter: {glue name: (text on the twin, text on other data)}}``.
TWIN_PASSAGES: dict[str, dict[str, tuple[str, str]]] = {
    "descriptives": {"note_synthetic": (_DESCRIPTIVES_SYNTHETIC, "")},
    "bivariate": {"note_agreement": (_BIVARIATE_AGREEMENT, "")},
    "models": {"note_where": (_MODELS_WHERE, ""), "note_h14": (_MODELS_H14, "")},
    "extensions": {"note_where": (_EXTENSIONS_WHERE, ""), "note_verdicts": (_EXTENSIONS_VERDICTS, "")},
    "discussion": {
        "note_ensemble": (_DISCUSSION_ENSEMBLE, ""),
        "note_synthetic": (_DISCUSSION_SYNTHETIC, ""),
        "note_limits": (_DISCUSSION_LIMITS, ""),
    },
    "fidelity": {
        "twin_making": (_FIDELITY_MAKING, does_not_apply("this section")),
        "ens_before": (_FIDELITY_ENSEMBLE, does_not_apply("the ensemble of twins")),
        "ens_after": (_FIDELITY_ENSEMBLE_AFTER, ""),
        "ens_tables": (_FIDELITY_ENSEMBLE_TABLES, ""),
    },
}


def twin_passages(chapter: str, is_twin: bool) -> dict[str, Markdown]:
    """The passages of *chapter* (a key of :data:`TWIN_PASSAGES`) as MyST for ``{glue:md}``.

    Each is its text on the committed twin (*is_twin*), and otherwise its
    text for other data: nothing, or one line saying that it does not apply.
    """
    return {name: twin_note(is_twin, twin, other) for name, (twin, other) in TWIN_PASSAGES.get(chapter, {}).items()}


def chapter_notes(chapter: str, is_twin: bool) -> dict[str, Markdown]:
    """Everything *chapter* shows only on the committed twin, for one ``glue_all`` call.

    Its passages (:func:`twin_passages`) and the standard sentence
    ``construction_note`` (:func:`scsrepro.book.facts.common.construction_facts`).
    """
    return construction_facts(is_twin) | twin_passages(chapter, is_twin)
