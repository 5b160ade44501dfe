"""The figures of each chapter (``descriptive``, ``bivariate``, ``models``) and Figure 1 (``framework``)."""
