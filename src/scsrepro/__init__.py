"""Helper package of the Kostka (2019) social-credit-survey research compendium.

The package is layered; each layer may import only the layers above it in
this list (``tests/test_architecture.py`` checks it), and ARCHITECTURE.md
says where new code goes:

``scsrepro.data``    the data contract: paths, codebook, schema, loading, validation
``scsrepro.survey``  survey statistics that know nothing of this paper
``scsrepro.paper``   the paper as data, its tables, the scoreboard and the audit
``scsrepro.twin``    the synthetic twin: generator, approval, calibration, seeds
``scsrepro.book``    the book: build, tables, glue, house style and figures

The chapters call these functions and show their results.
"""

__version__ = "0.3.0"
