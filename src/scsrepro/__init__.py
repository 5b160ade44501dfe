"""Helper package of the Kostka (2019) social-credit-survey research compendium.

Each module does one job; the book's chapters only call these functions:

``paths``      where the project's files are
``codebook``   the survey's variables, codes and labels (``data/codebook.yml``)
``schema``     the pandera schema generated from the codebook
``loading``    reading and validating respondent-level data
``validate``   command-line check of a data file (``make validate DATA=...``)
``published``  the paper's printed numbers (``data/published/*.csv``)
``quota``      the quota design of Table A1
``weighting``  capped raking weights, design effect, margin of error
``estimates``  design-based proportions, means and Rao-Scott tests
``models``     weighted ordered logit and variance inflation factors
``tables``     one function per published table (recipes in data/targets.yml)
``fidelity``   the scoreboard: every published number beside its reproduction
``audit``      statcheck-style consistency checks of the printed numbers
``modelspec``  the seven Table 4 models (data/models.yml)
``twin``       the synthetic twin's covariates; ``twin_approval`` its approval
``calibrate``  the search behind the twin's parameters (make calibrate)
``bivariate``  approval by group with design-based tests
``hypotheses`` the verdict rule for H1-H21
``robustness`` predicted probabilities, proportional-odds test, weighted vs unweighted
``plots``      house style; ``plots_*`` the figures of each chapter (``plots_framework``: Figure 1)
``display``    deterministic tables for the book
``gluing``     glue numbers into the text at a precision that is the same on every CPU
``build``      executes the chapters with papermill and renders the book
"""

__version__ = "0.3.0"
