"""`python -m extendpipe`: the same entry point as the `extendpipe` console script."""

from extendpipe.cli import main

if __name__ == "__main__":  # pragma: no cover - exercised through subprocess tests
    main()
