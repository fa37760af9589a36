"""Reading inputs: discovering files and loading scripts and notebooks into `Source` objects."""

from mldebt.sources.model import Cell, Magic, Source, SourceProblem
from mldebt.sources.load import load_source

__all__ = ["Cell", "Magic", "Source", "SourceProblem", "load_source"]
