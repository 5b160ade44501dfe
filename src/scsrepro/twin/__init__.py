"""Layer 4, the synthetic twin.

``covariates``   every variable but approval (the driver), the whole twin and its files (``make data``)
``cells``        the sample design: quota cells, raking weights, province and age
``latent``       the common factors, the items' latent scores and the state of one draw
``selection``    exact counts in both columns of Table A2 (pick, peel)
``blocks``       the questionnaire blocks put to every respondent
``user_blocks``  the questionnaire blocks put to SCS users
``approval``     approval, calibrated to Table 4, Table A2 and Table 2
``calibrate``    the search behind the approval parameters (``make calibrate``)
``seeds``        the twin regenerated with other seeds and scored (``make seeds``)

May import the data, survey and paper layers.
"""
