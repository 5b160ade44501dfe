"""Layer 2, survey statistics that know nothing of this paper.

``weighting``  capped raking weights, design effect, margin of error
``estimates``  design-based proportions, means and Rao-Scott tests
``models``     weighted ordered logit (Stata/R-equivalent), VIFs
``decisions``  decisions on quantized values, so results do not depend on the CPU

May import :mod:`scsrepro.data`.
"""
