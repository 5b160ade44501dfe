"""Layer 1, the data contract: where the files are, the codebook, the schema, loading.

``paths``             where the project's files are
``files``             atomic writes (a reader never sees a half-written file)
``expressions``       the ``asked_if`` condition language (check, evaluate, order)
``variables``         one codebook entry: ``Variable`` and multi-select ``Group``
``codebook_parsing``  parsing and checking ``data/codebook.yml`` (``CodebookError``)
``derivation``        computing the derived variables
``codebook``          the ``Codebook`` object: reading, lookups, derive, to_missing, label
``branching``         who was asked a question, read off the data
``schema``            the pandera schema generated from the codebook, and its problem reports
``fake``              random raw data that follow the codebook (tests, demonstrations)
``loading``           reading and validating respondent-level data
``validate``          command-line check of a data file (``make validate DATA=...``)

Imports nothing from the other layers.
"""
