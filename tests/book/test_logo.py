"""The committed logo and favicon are what ``scsrepro.book.figures.logo`` draws."""

from __future__ import annotations

from scsrepro.book.figures import logo


def test_the_committed_logo_files_are_the_drawn_ones():
    for path, png in logo.files().items():
        assert path.read_bytes() == png, f"{path.name} is out of date: python -m scsrepro.book.figures.logo"
        assert png.startswith(b"\x89PNG")
