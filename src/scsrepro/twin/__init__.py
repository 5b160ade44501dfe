"""Layer 4, the synthetic twin.

``covariates``  every variable but approval, the whole twin and its files (``make data``)
``approval``    approval, calibrated to Table 4, Table A2 and Table 2
``calibrate``   the search behind the approval parameters (``make calibrate``)
``seeds``       the twin regenerated with other seeds and scored (``make seeds``)

May import the data, survey and paper layers.
"""
