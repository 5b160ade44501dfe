"""Layer 2, survey statistics that know nothing of this paper.

``weighting``         capped raking weights, design effect, margin of error
``estimates``         design-based proportions, means and Rao-Scott tests
``design``            the covariate matrix of a model (dummies, what each column codes), VIFs
``models``            weighted ordered logit (Stata/R-equivalent): the tidy fit and its diagnostics
``ordered_logit``     the ordered-logit model: derivatives, parameter coding, weighted fits
``newton``            the Newton-Raphson loop behind every fit
``sandwich``          the robust (sandwich) covariance from influence rows
``calibration``       standard errors of a raked (calibrated) design, as R's ``calibrate``
``gologit``           partial proportional-odds model (generalised ordered logit, ``gologit2``)
``margins``           average marginal effects and predicted probabilities with delta-method SEs
``penalised``         Firth's penalty on chosen terms, profile intervals, the DuMouchel-Duncan test
``regression_table``  estimates in the paper's Table 4 layout (Stata ``esttab``)
``significance``      critical values and significance stars
``decisions``         decisions on quantized values, so results do not depend on the CPU

May import :mod:`scsrepro.data`.
"""
