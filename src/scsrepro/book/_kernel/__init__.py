"""Start-up code for the chapters' kernels (put on their ``PYTHONPATH`` by :mod:`scsrepro.book.execute`)."""
