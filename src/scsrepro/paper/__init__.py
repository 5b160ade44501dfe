"""Layer 3, the paper as data and the comparisons with it.

``published``   the paper's printed numbers (``data/published/*.csv``)
``quota``       the quota design of Table A1
``modelspec``   the seven Table 4 models (``data/models.yml``)
``tables``      one function per published table (recipes in ``data/targets.yml``)
``fidelity``    the scoreboard: every published number beside its reproduction
``audit``       statcheck-style consistency checks of the printed numbers
``hypotheses``  the verdict rules for H1-H21 (the paper's two outcomes; three outcomes with joint tests and Holm)
``bivariate``   approval by group with design-based tests
``robustness``  predicted probabilities, proportional-odds test, weighted vs unweighted
``cap_sensitivity``, ``calibrated``, ``effects``, ``nested``, ``partial_po``, ``separation``
                the analyses beyond the paper: weight caps, raking-aware standard
                errors, marginal effects, nested models on one sample, partial
                proportional odds, Firth on separated terms and the weights test

May import :mod:`scsrepro.data` and :mod:`scsrepro.survey`.
"""
