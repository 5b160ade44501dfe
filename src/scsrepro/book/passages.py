"""The passages of the chapters that hold on the committed synthetic twin only.

How the twin is made, the seed check, and the notes that an agreement with
the paper holds by construction are true of the committed twin and of no
other data. They are kept here, one mapping per chapter, rather than in the
chapters' Markdown, so that a chapter can glue them
(:func:`twin_passages`, through ``twin_notes`` of the chapter's module in
:mod:`scsrepro.book.facts`) and show them with ``{glue:md}``: the passage on
the twin, and on other data nothing or one line saying it does not apply.
Whether the data are the twin is
:func:`scsrepro.data.loading.is_committed_twin`. Numbers in a passage are
glue roles, never typed (``tests/test_no_typed_numbers.py`` checks them).
"""

from __future__ import annotations

from IPython.display import Markdown

from scsrepro.book.facts.common import does_not_apply, twin_note

__all__ = ["TWIN_PASSAGES", "twin_passages"]

_SAMPLING_CAPS = (
    "For the synthetic twin that joint distribution is a modelling choice, so the cells it caps say "
    "nothing about the real survey."
)

_SAMPLING_A2 = (
    "On the synthetic twin the agreement in this table holds by construction: the twin was generated to "
    "match Table A2, and its weights were raked to the paper's weighted shares of age, gender and region. "
    "The one exception, the first age share, is a printing error discussed in the descriptives chapter and "
    "listed in `data/published/errata.csv`."
)

_SAMPLING_REPRESENTATIVENESS = (
    "On the synthetic twin the weighted shares equal the paper's weighted Table A2 by construction, since "
    "the twin's weights were raked to them; the achieved shares were calibrated to the unweighted column. "
    "Only the quota bars are independent of the twin."
)

_DESCRIPTIVES_SYNTHETIC = """```{admonition} Synthetic data
:class: warning

By default the data file is the synthetic twin, which was generated to
reproduce Table A2, Table A3 and the figure percentages quoted in the text.
On the twin, agreement with those numbers holds **by construction** and is
not evidence about the real survey. What the comparison does show is where
the paper's printed numbers cannot all be true at once, and which reading
the twin follows there.
```"""

_BIVARIATE_AGREEMENT = """```{admonition} What agreement means on this page
:class: warning

Unless the chapter was run on the real survey file, the respondents below
are the synthetic twin. The twin was calibrated to Table 2, Table 5, the
marginal distributions of Table A2, the models of Table 4 and the rural and
urban shares of the discussion. Agreement on those numbers holds **by
construction**. Two groups of numbers were **held out** of the calibration
(`roles: held_out` in `data/targets.yml`): the doubter profile of Table 3 and
the approval shares that the text reads off Figure 4. For those, the distance
between the twin and the paper is a check of whether the paper's own numbers
fit together, and it is reported as such.
```"""

_MODELS_WHERE = """```{admonition} Where the numbers come from
:class: warning

Unless the chapter is run on the real survey file, every estimate on this
page comes from the project's **synthetic twin**. The twin's approval answers
were generated so that refitting Table 4 on them lands close to the printed
coefficients and stars: Table 4 is a *calibration target*. Agreement with
Table 4 therefore holds by construction and says nothing about the real
survey. The differences that remain show where the calibration fell short,
and the checks beyond the paper describe the twin, not the survey. On the
real data the same code answers the substantive questions.
```"""

_MODELS_N_EQUAL = (
    "On the twin this is part of the calibration (see `data/published/errata.csv` for the readings that "
    "make the printed numbers consistent)."
)

_MODELS_SE = (
    "On the synthetic twin those answers were shaped by the calibration's stars phase (see {doc}`fidelity`), "
    "so agreement there is by construction."
)

_MODELS_VIF = (
    "The VIFs were a calibration target of the twin's covariates, so their agreement is again by construction."
)

_MODELS_PO = """What this means depends on the data. The twin's approval answers were drawn
from a latent-variable model that satisfies proportional odds and were then
moved one step at a time towards the published tables (see
`data/synthetic/README.md`); the gender pattern is a product of that
adjustment, not a finding about Chinese internet users. Run on the real
survey, the same cells test the paper's models."""

_DISCUSSION_SYNTHETIC = """```{admonition} Synthetic data
:class: warning

By default the data file is the synthetic twin. It was generated to
reproduce Table 5, the coefficients of Table 4 and the shares quoted in the
discussion, so on the twin the agreement shown on this page holds **by
construction** and is not evidence about the real survey. The roles printed
in the tables below ("target" or "held_out") come from the project's
calibration recipe; see the last section and {doc}`fidelity`.
```"""

_DISCUSSION_LIMITS = """**What a synthetic twin can and cannot show.** The microdata are not public.
By default this page runs on a synthetic twin of
{glue:text}`n_data:,d` respondents, generated to match the published
aggregates. The numbers compared on this page (Table 5, the Table 4
coefficients, the mistrust share and the rural-urban contrasts) have the
roles {glue:text}`all_roles` in the calibration recipe; for targets the
agreement is by construction: it shows that the
paper's numbers can coexist in one data set and that the code computes them
as the paper describes, not that the survey found them. The only evidence of
coherence comes from numbers kept out of the calibration, Table 3 and the
approval shares by group that the text reports for Figure 4; how close the
twin comes to them is shown in {doc}`bivariate` and summarised in
{doc}`fidelity`. The twin also cannot test either explanation: any link
between breadth of benefits and approval, or between frames and approval,
that goes beyond the calibrated aggregates exists in the twin only if the
generator put it there. Run on the real survey file, the same page would
give evidence; on the twin it gives a check of the method."""

_FIDELITY_READ_FIRST = """```{admonition} Read this before the pass rates
:class: warning

On the synthetic twin, a *target* that passes agrees with the paper **by
construction**: the twin was generated to reproduce it. Such agreement says
nothing about the real survey. Two kinds of rows are different:

- **held-out** rows (Table 3 and the approval shares by group that the text
  reports for Figure 4) were never used to calibrate the twin. How close the
  twin comes to them is a check of whether the paper's own numbers fit
  together;
- **errata** are printed numbers that contradict other printed numbers, so
  that no dataset can reproduce them all. They are listed at the end of the
  page with the reading the twin follows, and they are left out of the pass
  rates.
```"""

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
   draws with the same noise (common random numbers). The few respondents
   without formal education in Model 5's sample all strongly approve, which
   is the cause of that model's separated education terms.
2. *Polishing*: answers move one step up or down where each model's
   influence function predicts that the refits move towards Table 4 and the
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

Table 3 and the approval shares by group quoted for Figure 4 enter none of
these steps; they are the held-out rows below."""

_FIDELITY_STARS = (
    "Stars also depend on the reproduced standard errors; the twin's last calibration stage aims at them, so "
    "on the twin this agreement too holds by construction."
)

_FIDELITY_SEEDS = """The twin's parameters were tuned with its default seed, so part of its fit
may be luck with that one draw. `make seeds` regenerates the twin with other
seeds, each time rerunning the approval search, the polishing and the stars
stage with the committed settings, and scores every draw with this page's
scoreboard. The results are stored in `data/synthetic/seed_check.csv`; the
row of the default seed is the committed twin."""

_FIDELITY_SEEDS_AFTER = """Over the {glue:}`seeds_n` other seeds the stars agree in
{glue:text}`seeds_stars_min:.1f` to {glue:text}`seeds_stars_max:.1f` per cent of
the cells, and {glue:text}`seeds_targets_min:.1f` to
{glue:text}`seeds_targets_max:.1f` per cent of the targets pass. The difference
from the committed draw is the part of its fit that comes from tuning the
parameters on that draw; the figures above describe the committed file, which
is the one every chapter uses."""

#: ``{chapter: {glue name: (text on the twin, text on other data)}}``.
TWIN_PASSAGES: dict[str, dict[str, tuple[str, str]]] = {
    "sampling": {
        "note_caps": (_SAMPLING_CAPS, ""),
        "note_a2": (_SAMPLING_A2, ""),
        "note_representativeness": (_SAMPLING_REPRESENTATIVENESS, ""),
    },
    "descriptives": {
        "note_synthetic": (_DESCRIPTIVES_SYNTHETIC, ""),
        "note_headline": ("These are the paper's headline numbers; on the twin they were calibrated.", ""),
    },
    "bivariate": {
        "note_agreement": (_BIVARIATE_AGREEMENT, ""),
        "note_t2": ("Table 2 is a calibration target, so this is expected.", ""),
        "note_t3": (
            "**Table 3 was held out of the twin's calibration.** Its Total column repeats the weighted margins of "
            "Table A2, which are calibration targets, so that column agrees by construction. The Doubters column "
            "is the real test.",
            "",
        ),
        "note_rural_urban": (
            "These pairs are calibration targets. Erratum E-RURAL-URBAN explains how the twin places each pair "
            "inside the rounding interval of the text while keeping Table A2's overall share.",
            "",
        ),
    },
    "models": {
        "note_where": (_MODELS_WHERE, ""),
        "note_n_equal": (_MODELS_N_EQUAL, ""),
        "note_se": (_MODELS_SE, ""),
        "note_vif": (_MODELS_VIF, ""),
        "note_po": (_MODELS_PO, ""),
    },
    "discussion": {
        "note_synthetic": (_DISCUSSION_SYNTHETIC, ""),
        "note_t5_roles": (
            "On the twin every one of these numbers has the role {glue:text}`t5_roles` in the calibration recipe.",
            "",
        ),
        "note_coef_roles": ("Role on the twin: {glue:text}`coef_roles`.", ""),
        "note_mistrust_role": ("; role on the twin: {glue:text}`mistrust_role`", ""),
        "note_limits": (_DISCUSSION_LIMITS, does_not_apply("what a synthetic twin can and cannot show")),
        "note_summary": (
            "On the synthetic twin the reproduced numbers agree with the paper because they were built to; only "
            "the real data could show whether the explanations hold.",
            "",
        ),
    },
    "fidelity": {
        "note_read_first": (_FIDELITY_READ_FIRST, ""),
        "twin_making": (_FIDELITY_MAKING, does_not_apply("this section")),
        "note_stars": (_FIDELITY_STARS, ""),
        "seeds_before": (_FIDELITY_SEEDS, does_not_apply("the seed check")),
        "seeds_after": (_FIDELITY_SEEDS_AFTER, ""),
    },
}


def twin_passages(chapter: str, is_twin: bool) -> dict[str, Markdown]:
    """The passages of *chapter* (a key of :data:`TWIN_PASSAGES`) as MyST for ``{glue:md}``.

    Each is its text on the committed twin (*is_twin*), and otherwise its
    text for other data: nothing, or one line saying that it does not apply.
    """
    return {name: twin_note(is_twin, twin, other) for name, (twin, other) in TWIN_PASSAGES[chapter].items()}
