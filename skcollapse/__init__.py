"""skcollapse: simulate, measure and mitigate model collapse with scikit-learn."""

__version__ = "0.1.0.dev0"

__all__ = ["__version__"]
