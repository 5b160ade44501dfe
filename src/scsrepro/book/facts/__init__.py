"""The facts a chapter's prose needs, one helper per section.

A chapter's running text quotes numbers and data-dependent words ("four
of", "none", "higher") that must stay true when the chapter runs on other
data. Each section of a chapter therefore calls one helper of the chapter's
module here (``facts.bivariate``, ``facts.models``, ...). The helper takes
the section's analysis results and returns a small mapping of named,
formatted facts; the chapter publishes them with one
:func:`scsrepro.book.gluing.glue_all` call and the prose quotes them with
``{glue:text}`name```. Formatting shared by every chapter is in
:mod:`scsrepro.book.facts.common`.
"""
