"""Layer 5, the book: execution and rendering, tables, glue and figures.

``build``    executes the chapters with papermill and renders the book
``display``  deterministic tables for the book
``gluing``   numbers for the running text, at a CPU-independent precision
``style``    the house plot style
``figures``  one module of figures per chapter

May import every other layer; nothing imports it.
"""
