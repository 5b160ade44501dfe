"""Layer 4, the synthetic twin.

``covariates``       every variable but approval (the driver), the whole twin and its files (``make data``)
``cells``            the sample design: quota cells, raking weights, province and age
``latent``           the common factors, the items' latent scores and the state of one draw
``selection``        exact counts in both columns of Table A2 (pick, peel)
``blocks``           the questionnaire blocks put to every respondent
``user_blocks``      the questionnaire blocks put to SCS users
``approval``         approval, calibrated to Table 4, Table A2 and Table 2 (the entry points)
``designs``          the seven Table 4 models of that calibration and their fast refits
``objective``        its objective: distances to Table 4, the approval shares and the stars
``approval_latent``  its first stage, the latent draw and the search for its coefficients
``polish``           its later stages, moves of single answers that lower the objective
``settings``         the approval generator's settings: defaults, committed, candidates
``calibrate``        the search behind the approval parameters (``make calibrate``)
``ensemble``         the twin redrawn for many seeds in parallel, each draw scored (``make ensemble``)

May import the data, survey and paper layers.
"""
