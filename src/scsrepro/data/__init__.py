"""Layer 1, the data contract: where the files are, the codebook, the schema, loading.

``paths``     where the project's files are
``files``     atomic writes (a reader never sees a half-written file)
``codebook``  the survey's variables, codes and labels (``data/codebook.yml``)
``schema``    the pandera schema generated from the codebook
``loading``   reading and validating respondent-level data
``validate``  command-line check of a data file (``make validate DATA=...``)

Imports nothing from the other layers.
"""
